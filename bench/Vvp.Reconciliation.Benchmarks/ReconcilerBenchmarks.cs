using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Benchmarks;

/// <summary>Reconciling 10,000 in-sync CRs against the in-memory platform: one read and no write each.</summary>
[MemoryDiagnoser]
public class ReconcilerBenchmarks
{
    public const int Count = 10_000;

    private InMemoryPlatform _platform = null!;
    private VvpDeploymentReconciler _reconciler = null!;
    private VvpDeploymentResource[] _crs = null!;
    private System.Text.Json.Nodes.JsonObject[] _documents = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_platform, _reconciler, _crs) = InSyncFleet(Count);
        _documents = [.. _crs.Select(cr => cr.ToJsonNode())];
    }

    // The platform records every call; forgetting them between iterations keeps the list from growing.
    [IterationSetup]
    public void ForgetCalls() => _platform.ClearCalls();

    [Benchmark(OperationsPerInvoke = Count, Description = "reconcile an in-sync CR (10,000 in a row)")]
    public async Task ReconcileInSync()
    {
        foreach (var cr in _crs)
        {
            await _reconciler.ReconcileAsync(cr);
        }
    }

    // As an operator gets them: a new CR object per event, so nothing cached on the object helps.
    [Benchmark(OperationsPerInvoke = Count, Description = "reconcile an in-sync CR read afresh (10,000 in a row)")]
    public async Task ReconcileFreshObjects()
    {
        foreach (var document in _documents)
        {
            await _reconciler.ReconcileAsync(VvpDeploymentResource.FromDocument(document));
        }
    }

    /// <summary>Creates <paramref name="count"/> deployments from CRs and returns the CRs with their synced status.</summary>
    public static (InMemoryPlatform Platform, VvpDeploymentReconciler Reconciler, VvpDeploymentResource[] Crs) InSyncFleet(int count)
    {
        var platform = new InMemoryPlatform();
        var options = new ReconcilerOptions { Identity = "vvp-1" };
        options.WatchedNamespaces.Add("jobs");
        var reconciler = new VvpDeploymentReconciler(platform, options);
        var template = (JsonObject)ResourceReader.Read(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "test-cr.yaml"))).Document!;
        var crs = new VvpDeploymentResource[count];
        for (var i = 0; i < count; i++)
        {
            var document = (JsonObject)template.DeepClone();
            var name = $"job-{i:D5}";
            document["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "jobs", ["generation"] = 1 };
            document["spec"]!["deployment"]!["userMetadata"]!["name"] = name;
            var cr = VvpDeploymentResource.FromDocument(document);
            var created = reconciler.ReconcileAsync(cr).GetAwaiter().GetResult();
            crs[i] = cr.WithStatus(created.Status);
        }

        platform.ClearCalls();
        return (platform, reconciler, crs);
    }
}
