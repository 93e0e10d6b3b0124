using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Benchmarks;

/// <summary>
/// The controller's steady state: N in-sync CRs, one resync. Counts the Kubernetes calls and writes, the platform
/// calls, the process CPU time (the API stand-in serving the calls included) and the managed memory the controller
/// keeps per CR (its caches and queue: the heap with the controller running minus the heap after it is disposed).
/// </summary>
internal static class OperatorCounts
{
    public static async Task RunAsync(int count, bool list)
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        api.HistoryLimit = count * 4;
        var platform = new InMemoryPlatform();
        var seed = (JsonObject)ResourceReader.Read(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "test-cr.yaml"))).Document!;
        for (var i = 0; i < count; i++)
        {
            var cr = (JsonObject)seed.DeepClone();
            var name = $"cr-{i:D5}";
            cr["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "jobs" };
            cr["spec"]!["deployment"]!["userMetadata"]!["name"] = name;
            api.Create(ApiResource.VvpDeployments, "jobs", cr);
        }

        var kubeconfig = Path.GetTempFileName();
        api.WriteKubeconfig(kubeconfig);
        var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        File.Delete(kubeconfig);
        var options = new VvpOperatorOptions { Identity = "vvp-1", HolderIdentity = "bench", ResyncPeriod = TimeSpan.FromHours(1), Workers = 4, PlatformNamespaceListing = list ? PlatformNamespaceListing.Always : PlatformNamespaceListing.Never };
        options.WatchedNamespaces.Add("jobs");
        var controller = new VvpController(client, platform, options);
        using var stop = new CancellationTokenSource();
        var run = controller.RunAsync(stop.Token);

        var converge = Stopwatch.StartNew();
        while (controller.Reconciles < count || controller.QueueDepth > 0 || platform.Calls.Count(c => c.Operation == PlatformOperation.CreateDeployment) < count)
        {
            await Task.Delay(200);
        }

        await Settle(controller);
        converge.Stop();
        api.ClearCalls();
        platform.ClearCalls();
        var reconciles = controller.Reconciles;
        var writes = controller.KubernetesWrites;

        // CPU and allocations of one resync, triggered once the process has been idle for a while (JIT and GC
        // settled): the window holds the resync and little else.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        controller.ResyncNow();
        while (controller.Reconciles < reconciles + count || controller.QueueDepth > 0)
        {
            await Task.Delay(20);
        }

        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        var allocatedBytes = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocated);
        var cpuPerCr = cpuMs * 1000 / count;
        var allocatedPerCr = allocatedBytes / count;
        var calls = api.Calls;
        var kubernetesCalls = calls.Count(c => c.Resource.StartsWith("vvpdeployments", StringComparison.Ordinal) || c.Resource == "secrets");
        var kubernetesWrites = controller.KubernetesWrites - writes;
        var platformCalls = platform.Calls.Count;
        var platformLists = platform.Calls.Count(c => c.Operation == PlatformOperation.ListDeployments);
        var platformWrites = platform.WriteCount;

        await stop.CancelAsync();
        await run;
        controller.Dispose();

        // The memory a controller keeps: a second one over the same converged CRs, the heap before it starts and once it
        // has listed, reconciled every CR and settled.
        var before = Heap();
        var second = new VvpController(client, platform, options);
        using var stopSecond = new CancellationTokenSource();
        var runSecond = second.RunAsync(stopSecond.Token);
        while (second.Reconciles < count)
        {
            await Task.Delay(100);
        }

        await Settle(second);
        var after = Heap();
        var secondWrites = second.KubernetesWrites;
        await stopSecond.CancelAsync();
        await runSecond;
        second.Dispose();
        client.Dispose();

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{count} in-sync CRs{(list ? ", listPlatformNamespaces" : "")}, one resync: {kubernetesWrites} Kubernetes writes, {kubernetesCalls} Kubernetes calls on CRs and Secrets (lease renewals aside: {calls.Count - kubernetesCalls}), " +
            $"{platformCalls} platform calls ({(double)platformCalls / count:F3} per CR, {platformLists} lists, {platformWrites} writes); process CPU {cpuPerCr:F0} µs per CR, {allocatedPerCr / 1024:F1} KiB allocated per CR; " +
            $"a started controller keeps {(after - before) / (double)count / 1024:F1} KiB per CR (its start over converged CRs: {secondWrites} Kubernetes writes); first convergence {converge.Elapsed.TotalSeconds:F1} s"));
    }

    private static async Task Settle(VvpController controller)
    {
        var last = -1L;
        while (controller.Reconciles != last || controller.QueueDepth > 0)
        {
            last = controller.Reconciles;
            await Task.Delay(500);
        }
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
