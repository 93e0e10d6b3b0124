using BenchmarkDotNet.Attributes;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Benchmarks;

/// <summary>1,000 in-sync reconciles over HTTP to the emulator on 127.0.0.1, with 1 and 16 running at once.</summary>
[MemoryDiagnoser]
public class HttpReconcileBenchmarks
{
    public const int Count = 1_000;

    private PlatformEmulator _emulator = null!;
    private HttpClient _http = null!;
    private VvpDeploymentReconciler _reconciler = null!;
    private VvpDeploymentResource[] _crs = null!;

    [Params(1, 16)]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public void Setup() => (_emulator, _http, _reconciler, _crs) = StartAsync(Count).GetAwaiter().GetResult();

    [GlobalCleanup]
    public void Cleanup()
    {
        _http.Dispose();
        _emulator.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(OperationsPerInvoke = Count, Description = "in-sync reconcile over HTTP")]
    public Task ReconcileInSync() => RunAsync(_reconciler, _crs, Concurrency);

    public static async Task RunAsync(VvpDeploymentReconciler reconciler, VvpDeploymentResource[] crs, int concurrency)
    {
        var next = -1;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < crs.Length)
            {
                await reconciler.ReconcileAsync(crs[i]).ConfigureAwait(false);
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    /// <summary>An emulator holding <paramref name="count"/> deployments, and the CRs in sync with them.</summary>
    public static async Task<(PlatformEmulator, HttpClient, VvpDeploymentReconciler, VvpDeploymentResource[])> StartAsync(int count)
    {
        var (platform, _, crs) = ReconcilerBenchmarks.InSyncFleet(count);
        var emulator = await PlatformEmulator.StartAsync(platform);
        var (client, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = emulator.BaseAddress });
        var options = new ReconcilerOptions { Identity = "vvp-1" };
        options.WatchedNamespaces.Add("jobs");
        return (emulator, http, new VvpDeploymentReconciler(client, options), crs);
    }
}
