using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Platform;

/// <summary>
/// A platform port that passes every call to another one; derive from it and override the calls to change (count,
/// guard, cache, add a token), as <c>DelegatingHandler</c> does for <c>HttpClient</c>.
/// </summary>
public abstract class DelegatingPlatformClient : IPlatformClient
{
    /// <summary>Creates a client that passes its calls to <paramref name="inner"/>.</summary>
    /// <param name="inner">The port the calls go to.</param>
    protected DelegatingPlatformClient(IPlatformClient inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>The port the calls go to.</summary>
    protected IPlatformClient Inner { get; }

    /// <inheritdoc />
    public virtual Task<JsonObject?> GetDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        Inner.GetDeploymentAsync(ns, name, token, cancellationToken);

    /// <inheritdoc />
    public virtual Task<IReadOnlyList<JsonObject>> ListDeploymentsAsync(string ns, ApiToken? token, CancellationToken cancellationToken) =>
        Inner.ListDeploymentsAsync(ns, token, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Passed to the inner port's own (not served from <see cref="GetDeploymentAsync"/>): a class that changes reads overrides both.</remarks>
    public virtual Task<ReadOnlyMemory<byte>?> GetDeploymentAsUtf8Async(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        Inner.GetDeploymentAsUtf8Async(ns, name, token, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Passed to the inner port's own (not served from <see cref="ListDeploymentsAsync"/>): a class that changes lists overrides both.</remarks>
    public virtual Task<IReadOnlyList<ReadOnlyMemory<byte>>> ListDeploymentsAsUtf8Async(string ns, ApiToken? token, CancellationToken cancellationToken) =>
        Inner.ListDeploymentsAsUtf8Async(ns, token, cancellationToken);

    /// <inheritdoc />
    public virtual Task<JsonObject> CreateDeploymentAsync(string ns, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) =>
        Inner.CreateDeploymentAsync(ns, deployment, token, cancellationToken);

    /// <inheritdoc />
    public virtual Task<JsonObject> PatchDeploymentAsync(string ns, string name, JsonObject patch, ApiToken? token, CancellationToken cancellationToken) =>
        Inner.PatchDeploymentAsync(ns, name, patch, token, cancellationToken);

    /// <inheritdoc />
    public virtual Task<JsonObject> ReplaceDeploymentAsync(string ns, string name, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) =>
        Inner.ReplaceDeploymentAsync(ns, name, deployment, token, cancellationToken);

    /// <inheritdoc />
    public virtual Task DeleteDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        Inner.DeleteDeploymentAsync(ns, name, token, cancellationToken);

    /// <inheritdoc />
    public virtual Task<IReadOnlyList<JsonObject>> ListSavepointsAsync(string ns, string deploymentId, ApiToken? token, CancellationToken cancellationToken) =>
        Inner.ListSavepointsAsync(ns, deploymentId, token, cancellationToken);

    /// <inheritdoc />
    public virtual Task<JsonObject> CreateSavepointAsync(string ns, JsonObject savepoint, ApiToken? token, CancellationToken cancellationToken) =>
        Inner.CreateSavepointAsync(ns, savepoint, token, cancellationToken);
}
