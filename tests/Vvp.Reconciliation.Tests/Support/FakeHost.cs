using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>
/// Plays the Kubernetes side: holds the CR, writes back what a reconcile returns (a spec update bumps the
/// generation, as the API server does), and counts status writes.
/// </summary>
internal sealed class FakeHost
{
    public FakeHost(VvpDeploymentResource cr, Action<ReconcilerOptions>? configure = null, InMemoryPlatformOptions? platformOptions = null, ISecretReader? secrets = null, ReconcilerTelemetry? telemetry = null)
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        platformOptions ??= new InMemoryPlatformOptions();
        platformOptions.TimeProvider = Time;
        Platform = new InMemoryPlatform(platformOptions);
        Options = new ReconcilerOptions { TransientRetries = 0, TransientRetryDelay = TimeSpan.Zero };
        Options.WatchedNamespaces.Add("jobs");
        configure?.Invoke(Options);
        Reconciler = new VvpDeploymentReconciler(Platform, Options, secrets, Logger, Time, telemetry);
        Cr = cr;
    }

    public FakeTimeProvider Time { get; }

    public InMemoryPlatform Platform { get; }

    public ReconcilerOptions Options { get; }

    public VvpDeploymentReconciler Reconciler { get; }

    public CapturingLogger<VvpDeploymentReconciler> Logger { get; } = new();

    public VvpDeploymentResource Cr { get; set; }

    public int StatusWrites { get; private set; }

    public List<ReconcileResult> Results { get; } = [];

    /// <summary>A CR in Kubernetes namespace <c>jobs</c> at generation 1, from the seed test-cr with edits.</summary>
    public static VvpDeploymentResource Cr0(string? mergePatch = null, bool put = false)
    {
        var cr = put ? TestCrs.PutCr(mergePatch) : TestCrs.Cr(mergePatch);
        var doc = cr.ToJsonNode();
        doc["metadata"]!["namespace"] = "jobs";
        return VvpDeploymentResource.FromDocument(doc).WithGeneration(1);
    }

    public async Task<ReconcileResult> ReconcileAsync()
    {
        var result = await Reconciler.ReconcileAsync(Cr);
        Results.Add(result);
        Apply(result);
        return result;
    }

    public void Apply(ReconcileResult result)
    {
        if (result.StatusChanged)
        {
            StatusWrites++;
            Cr = Cr.WithStatus(result.Status);
        }

        if (result.SpecUpdate is not null)
        {
            Cr = Cr.WithSpec(result.SpecUpdate).WithGeneration((Cr.Generation ?? 0) + 1);
        }
    }

    /// <summary>Changes the CR's spec as a user would (kubectl apply): the generation goes up.</summary>
    public void EditCr(string mergePatch)
    {
        var doc = (JsonObject)Vvp.Reconciliation.Json.JsonMergePatch.Apply(Cr.ToJsonNode(), JsonNode.Parse(mergePatch))!;
        Cr = VvpDeploymentResource.FromDocument(doc).WithGeneration((Cr.Generation ?? 0) + 1);
    }

    public JsonObject Deployment => Platform.Snapshot("default", "test-cr") ?? throw new InvalidOperationException("no deployment");

    public static JsonNode? Condition(JsonObject? status, string type) =>
        status?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == type);
}
