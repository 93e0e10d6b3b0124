using System.Text.Json.Nodes;
using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// Confirms, right before a deployment is created on the platform, that the CR asking for it still exists in the
/// API (same uid): a cache is behind the API by the watch's latency, and a CR deleted meanwhile must never
/// re-create its deployment. Creates are rare, so the extra read costs a steady state nothing.
/// </summary>
internal sealed class CreateGuardPlatform(IPlatformClient inner, Func<CustomResourceKey, CancellationToken, Task<bool>> stillExists) : DelegatingPlatformClient(inner)
{
    private static readonly AsyncLocal<CustomResourceKey?> Current = new();

    /// <summary>Names the CR the calling flow (one reconcile) acts for.</summary>
    public static IDisposable For(CustomResourceKey key)
    {
        Current.Value = key;
        return new Reset();
    }

    public override async Task<JsonObject> CreateDeploymentAsync(string ns, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken)
    {
        if (Current.Value is { } key && !await stillExists(key, cancellationToken).ConfigureAwait(false))
        {
            throw new CustomResourceGoneException(key);
        }

        return await Inner.CreateDeploymentAsync(ns, deployment, token, cancellationToken).ConfigureAwait(false);
    }

    private sealed class Reset : IDisposable
    {
        public void Dispose() => Current.Value = null;
    }
}

/// <summary>A CR by namespace, name and uid.</summary>
internal sealed record CustomResourceKey(string Namespace, string Name, string? Uid);

/// <summary>The CR a reconcile acts for no longer exists in the API (or is another object of the same name).</summary>
internal sealed class CustomResourceGoneException(CustomResourceKey key)
    : Exception($"{key.Namespace}/{key.Name} no longer exists in the Kubernetes API.")
{
    public CustomResourceKey Key { get; } = key;
}
