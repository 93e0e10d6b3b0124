using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Stress;

/// <summary>What a fleet run measures.</summary>
public sealed class FleetOptions
{
    /// <summary>CRs created before the operator starts.</summary>
    public int Crs { get; init; } = 1_000;

    /// <summary>The operator's workers.</summary>
    public int Workers { get; init; } = 4;

    /// <summary>The resync period the operator runs with.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many resyncs are measured after convergence.</summary>
    public int Resyncs { get; init; } = 3;

    /// <summary>How a resync reads the platform namespace (<c>listPlatformNamespaces</c>); the operator's default, auto, when not set.</summary>
    public PlatformNamespaceListing Listing { get; init; } = PlatformNamespaceListing.Auto;

    /// <summary>New CRs created during each measured resync, one every 25 ms, to time a change's wait behind it.</summary>
    public int CanariesPerResync { get; init; } = 20;

    /// <summary>
    /// Whether every second measured resync (the 2nd, 4th, …) runs without new CRs, so that its CPU is the in-sync CRs'
    /// alone (<see cref="FleetReport.QuietCpuMicrosecondsPerCr"/>); the others carry the canaries.
    /// </summary>
    public bool QuietResyncs { get; init; }

    /// <summary>
    /// A memory limit for the operator process, in bytes, as a container's: the process runs in a memory cgroup of its own
    /// (Linux, as root), is killed by the kernel past it, and its .NET GC sizes its heap from it. None when 0.
    /// </summary>
    public long MemoryLimit { get; init; }
}

/// <summary>One row of docs/performance.md's fleet table.</summary>
public sealed record FleetReport(
    int Crs,
    PlatformNamespaceListing Listing,
    TimeSpan Convergence,
    long RssAfterConvergence,
    IReadOnlyList<long> RssAfterResyncs,
    IReadOnlyList<TimeSpan> ResyncWalls,
    IReadOnlyList<double> CpuMicrosecondsPerCr,
    IReadOnlyList<TimeSpan> CanaryDelays,
    IReadOnlyList<string> Problems)
{
    /// <summary>The operator's CPU per CR from its start until every CR had a status.</summary>
    public double ConvergenceCpuMicrosecondsPerCr { get; init; }

    /// <summary>The memory limit the operator ran under (0: none).</summary>
    public long MemoryLimit { get; init; }

    /// <summary>The highest memory use of the operator's cgroup (under a memory limit; else 0).</summary>
    public long PeakMemory { get; init; }

    /// <summary>The first lines the operator wrote (at its log level Warning: its warnings and errors).</summary>
    public IReadOnlyList<string> OperatorOutput { get; init; } = [];

    /// <summary>The size of the platform namespace's LIST after convergence, in bytes (measured with the LIST mode only).</summary>
    public long ListBytes { get; init; }

    /// <summary>
    /// The operator's CPU per CR in each measured resync without new CRs (<see cref="FleetOptions.QuietResyncs"/>): what the
    /// in-sync CRs alone cost it. These resyncs are in <see cref="CpuMicrosecondsPerCr"/> too.
    /// </summary>
    public IReadOnlyList<double> QuietCpuMicrosecondsPerCr { get; init; } = [];

    /// <summary>The requests the platform answered in each measured resync (its reads, and the new CRs' calls).</summary>
    public IReadOnlyList<long> PlatformRequestsPerResync { get; init; } = [];

    /// <summary>The header of the table <see cref="ToString"/> prints a row of.</summary>
    public const string Header =
        "| CRs | mode | start → all statuses | CRs/s | CPU per new CR | RSS after convergence | RSS after each resync | peak / limit | resync wall | CPU per CR per resync | the same, resyncs without new CRs | platform requests per resync | new CR: create → status, p50 / p99 / max during a resync |\n" +
        "|---:|---|---:|---:|---:|---:|---|---|---|---|---|---|---|";

    /// <inheritdoc />
    public override string ToString() =>
        $"| {Crs:N0} | {Listing switch { PlatformNamespaceListing.Always => "LIST per namespace", PlatformNamespaceListing.Never => "GET per CR", _ => "auto" }} | {Convergence.TotalSeconds:0.0} s | {Crs / Convergence.TotalSeconds:0} | {ConvergenceCpuMicrosecondsPerCr:0} µs | {Mib(RssAfterConvergence)} | " +
        $"{Compress(RssAfterResyncs.Select(Mib).ToList())} | {(MemoryLimit > 0 ? $"{Mib(PeakMemory)} / {Mib(MemoryLimit)}" : "–")} | {string.Join(", ", ResyncWalls.Select(w => $"{w.TotalSeconds:0.0} s"))} | " +
        $"{string.Join(", ", CpuMicrosecondsPerCr.Select(c => $"{c:0} µs"))} | {(QuietCpuMicrosecondsPerCr.Count == 0 ? "–" : string.Join(", ", QuietCpuMicrosecondsPerCr.Select(c => $"{c:0} µs")))} | {(PlatformRequestsPerResync.Count == 0 ? "–" : $"{PlatformRequestsPerResync.Min():N0}–{PlatformRequestsPerResync.Max():N0}")} | {Percentile(0.5)} / {Percentile(0.99)} / {Percentile(1)} |" +
        (ListBytes == 0 ? string.Empty : $"\nthe platform namespace's LIST: {ListBytes / (1024.0 * 1024):0.0} MiB, {ListBytes / Crs:N0} bytes per deployment") +
        (OperatorOutput.Count == 0 ? string.Empty : "\nthe operator wrote (first lines):\n  " + string.Join("\n  ", OperatorOutput)) +
        (Problems.Count == 0 ? string.Empty : "\nproblems:\n  " + string.Join("\n  ", Problems));

    private static string Mib(long bytes) => $"{bytes / (1024 * 1024)} MiB";

    // Many resyncs: the first, the highest and the last.
    private static string Compress(List<string> values) =>
        values.Count <= 4 ? string.Join(" → ", values) : $"{values[0]} → … → {values[^1]}";

    private string Percentile(double p)
    {
        if (CanaryDelays.Count == 0)
        {
            return "–";
        }

        var sorted = CanaryDelays.Order().ToList();
        return $"{sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)].TotalMilliseconds:0} ms";
    }
}

/// <summary>
/// The operator at fleet scale, as a platform team loads it: the real <c>vvp-operator</c> process against the Kubernetes
/// API stand-in and the platform emulator (both in this process, over real sockets), with N copies of the
/// documentation's example CR created before it starts. It measures the time until every CR has a status, the
/// operator's resident memory then and after each resync, each resync's wall time and the operator's CPU per CR, and
/// how long a new CR created during a resync takes from its create to its status.
/// </summary>
public static class Fleet
{
    private const string Namespace = "fleet";

    /// <summary>Runs the fleet.</summary>
    /// <param name="options">The run.</param>
    /// <returns>The figures.</returns>
    public static async Task<FleetReport> RunAsync(FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        await using var api = await KubernetesApiStandIn.StartAsync().ConfigureAwait(false);
        // Nothing recorded but counts: a record of every request of a fleet's resyncs would outgrow the machine.
        await using var emulator = await PlatformEmulator.StartAsync(new InMemoryPlatform(new InMemoryPlatformOptions { TransitionDuration = TimeSpan.Zero, RecordCalls = false })).ConfigureAwait(false);
        emulator.RecordExchanges = false;
        for (var i = 0; i < options.Crs; i++)
        {
            api.Create(ApiResource.VvpDeployments, Namespace, Cr($"cr-{i:D6}"));
        }

        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vvp-fleet-{Guid.NewGuid():N}.yaml");
        api.WriteKubeconfig(kubeconfig);
        using var cgroup = options.MemoryLimit > 0 ? MemoryCgroup.Create(options.MemoryLimit) : null;
        var output = new List<string>();
        using var metrics = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{FreePort()}/"), Timeout = TimeSpan.FromSeconds(10) };
        using var process = StartOperator(options, kubeconfig, emulator.BaseAddress, metrics.BaseAddress, cgroup, output);
        try
        {
            var started = Stopwatch.StartNew();
            while (true)
            {
                var counting = Stopwatch.GetTimestamp();
                if (Statused(api) >= options.Crs)
                {
                    break;
                }

                var counted = Stopwatch.GetElapsedTime(counting);
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"vvp-operator exited with code {process.ExitCode} before the fleet converged{(cgroup?.OomKilled == true ? ", killed at its memory limit" : string.Empty)}.");
                }

                // A count holds the stand-in's lock while it reads every CR: at most a twentieth of the time is spent so.
                await Task.Delay(TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(200).Ticks, counted.Ticks * 20))).ConfigureAwait(false);
            }

            var convergence = started.Elapsed;
            var cpuConverged = Cpu(process);
            var rssConverged = Rss(process);
            long listBytes = 0;
            if (options.Listing != PlatformNamespaceListing.Never)
            {
                using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
                listBytes = (await http.GetByteArrayAsync(new Uri("api/v1/namespaces/default/deployments", UriKind.Relative)).ConfigureAwait(false)).LongLength;
            }

            var rss = new List<long>();
            var walls = new List<TimeSpan>();
            var cpu = new List<double>();
            var delays = new List<TimeSpan>();
            var canary = 0;
            var requests = new List<long>();
            var quietCpu = new List<double>();
            for (var r = 0; r < options.Resyncs; r++)
            {
                // A resync starts when the platform sees a burst of reads (GETs per CR, or the LIST) after a quiet spell.
                var before = emulator.Requests;
                var cpuBefore = Cpu(process);
                var burst = options.Listing != PlatformNamespaceListing.Never ? 1 : Math.Clamp(options.Crs / 10, 1, 50);
                while (emulator.Requests - before < burst)
                {
                    await Task.Delay(10).ConfigureAwait(false);
                }

                var resyncStarted = Stopwatch.StartNew();
                // Canaries while the resync runs: each a new CR, timed from its create until its status.
                var pending = new List<(string Name, Stopwatch Watch)>();
                var quietResync = options.QuietResyncs && r % 2 == 1;
                for (var c = 0; c < (quietResync ? 0 : options.CanariesPerResync); c++)
                {
                    var name = $"canary-{canary++:D4}";
                    api.Create(ApiResource.VvpDeployments, Namespace, Cr(name));
                    pending.Add((name, Stopwatch.StartNew()));
                    await Task.Delay(25).ConfigureAwait(false);
                    Collect(api, pending, delays);
                }

                var deadline = Stopwatch.StartNew();
                while (pending.Count > 0 && deadline.Elapsed < TimeSpan.FromMinutes(2))
                {
                    await Task.Delay(10).ConfigureAwait(false);
                    Collect(api, pending, delays);
                }

                if (pending.Count > 0)
                {
                    problems.Add($"{pending.Count} canaries of resync {r + 1} had no status after 2 minutes");
                }

                // The resync is over when the platform has been quiet for a second and the operator holds no key, waiting
                // or in hand (a worker may be reading a LIST the platform is still sending, which makes no new request).
                var idleWait = Stopwatch.StartNew();
                do
                {
                    var quietSince = emulator.Requests;
                    var quiet = Stopwatch.StartNew();
                    while (quiet.Elapsed < TimeSpan.FromSeconds(1))
                    {
                        await Task.Delay(50).ConfigureAwait(false);
                        if (emulator.Requests != quietSince)
                        {
                            quietSince = emulator.Requests;
                            quiet.Restart();
                        }
                    }
                }
                while (!process.HasExited && !await IdleAsync(metrics).ConfigureAwait(false) && idleWait.Elapsed < TimeSpan.FromMinutes(5));
                if (idleWait.Elapsed >= TimeSpan.FromMinutes(5))
                {
                    problems.Add($"resync {r + 1}: the operator still held keys (or its metrics did not answer) 5 minutes after the platform went quiet");
                }

                walls.Add(resyncStarted.Elapsed - TimeSpan.FromSeconds(1));
                requests.Add(emulator.Requests - before);
                cpu.Add((Cpu(process) - cpuBefore).TotalMicroseconds / options.Crs);
                if (quietResync)
                {
                    quietCpu.Add(cpu[^1]);
                }

                rss.Add(Rss(process));
            }

            if (process.HasExited)
            {
                problems.Add($"vvp-operator exited with code {process.ExitCode}{(cgroup?.OomKilled == true ? " (killed at its memory limit)" : string.Empty)}");
            }

            return new FleetReport(options.Crs, options.Listing, convergence, rssConverged, rss, walls, cpu, delays, problems)
            {
                ConvergenceCpuMicrosecondsPerCr = cpuConverged.TotalMicroseconds / options.Crs,
                MemoryLimit = options.MemoryLimit,
                PlatformRequestsPerResync = requests,
                QuietCpuMicrosecondsPerCr = quietCpu,
                OperatorOutput = [.. output],
                ListBytes = listBytes,
                PeakMemory = cgroup?.Peak ?? 0,
            };
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
                await process.WaitForExitAsync().ConfigureAwait(false);
            }

            File.Delete(kubeconfig);
        }
    }

    private static void Collect(KubernetesApiStandIn api, List<(string Name, Stopwatch Watch)> pending, List<TimeSpan> delays)
    {
        for (var i = pending.Count - 1; i >= 0; i--)
        {
            if (JsonRead.At(api.Get(ApiResource.VvpDeployments, Namespace, pending[i].Name), "status", "observedGeneration") is not null)
            {
                delays.Add(pending[i].Watch.Elapsed);
                pending.RemoveAt(i);
            }
        }
    }

    private static int Statused(KubernetesApiStandIn api) =>
        api.Count(ApiResource.VvpDeployments, Namespace, cr => JsonRead.At(cr, "status", "observedGeneration") is not null);

    internal static JsonObject Cr(string name)
    {
        var cr = (JsonObject)ResourceReader.Read(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "seeds", "test-cr.yaml"))).Document!;
        cr["metadata"] = new JsonObject { ["name"] = name };
        cr["spec"]!["deployment"]!["userMetadata"]!["name"] = name;
        return cr;
    }

    // Whether the operator's work queue is empty and no worker handles a key (its metrics, read once).
    private static async Task<bool> IdleAsync(HttpClient metrics)
    {
        string text;
        try
        {
            text = await metrics.GetStringAsync(new Uri("metrics", UriKind.Relative)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return false;
        }

        double Gauge(string name) =>
            text.Split('\n').Where(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Select(l => double.Parse(l[(name.Length + 1)..], CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).First();
        return Gauge("vvp_operator_workqueue_depth") == 0 && Gauge("vvp_operator_active_workers") == 0;
    }

    private static Process StartOperator(FleetOptions options, string kubeconfig, Uri platform, Uri metrics, MemoryCgroup? cgroup, List<string> output) =>
        OperatorProcess.Start(
            [
                $"--vvp:metrics:url={metrics.GetLeftPart(UriPartial.Authority)}",
                "--vvp:k8sOperator:identity=vvp-1",
                "--vvp:k8sOperator:holderIdentity=fleet-0",
                $"--vvp:k8sOperator:watchedNamespaces={Namespace}",
                $"--vvp:k8sOperator:workers={options.Workers}",
                $"--vvp:k8sOperator:resyncPeriod={(int)options.ResyncPeriod.TotalSeconds}",
                $"--vvp:k8sOperator:listPlatformNamespaces={options.Listing switch { PlatformNamespaceListing.Always => "true", PlatformNamespaceListing.Never => "false", _ => "auto" }}",
                // A LIST of the whole fleet's namespace must fit in one answer (about 1 KiB per deployment here),
                $"--vvp:platform:maxResponseBytes={Math.Max(16L * 1024 * 1024, Math.Min(int.MaxValue, options.Crs * 4096L))}",
                // and arrive within the request's time-out: the emulator, on the same cores, answers a LIST of 100,000 in tens of seconds.
                $"--vvp:platform:requestTimeout={Math.Max(30, options.Crs / 1000)}",
            ],
            kubeconfig,
            platform,
            cgroup,
            output);

    // Resident memory of a process (Linux: VmRSS of /proc/<pid>/status).
    internal static long Rss(Process process)
    {
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    internal static TimeSpan Cpu(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Starts the real <c>vvp-operator</c> (beside this program) against a kubeconfig and a platform.</summary>
internal static class OperatorProcess
{
    /// <summary>Starts one process with <paramref name="settings"/> (<c>--key=value</c>) beside its ports, platform and log level.</summary>
    /// <param name="settings">The operator's settings.</param>
    /// <param name="kubeconfig">The kubeconfig file.</param>
    /// <param name="platform">The platform's address.</param>
    /// <param name="cgroup">A memory cgroup to run in, or none.</param>
    /// <param name="output">Where the first 20 lines the operator writes (its warnings and errors) are kept, or nowhere.</param>
    public static Process Start(IEnumerable<string> settings, string kubeconfig, Uri platform, MemoryCgroup? cgroup = null, List<string>? output = null)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        // In a cgroup: a shell moves itself into it, then becomes the operator (exec), so the operator starts there.
        var info = new ProcessStartInfo(cgroup is null ? dotnet : "/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (cgroup is not null)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add($"echo $$ > '{cgroup.Procs}' && exec \"$0\" \"$@\"");
            info.ArgumentList.Add(dotnet);
        }

        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "vvp-operator.dll"),
            "--urls", $"http://127.0.0.1:{Fleet.FreePort()}",
            $"--vvp:metrics:url=http://127.0.0.1:{Fleet.FreePort()}",
            $"--vvp:platform:baseAddress={platform}",
            "--Logging:LogLevel:Default=Warning",
        }.Concat(settings))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["KUBECONFIG"] = kubeconfig;
        info.Environment["KUBERNETES_SERVICE_HOST"] = null;
        info.Environment["DOTNET_gcServer"] = "0";
        var process = new Process { StartInfo = info };
        // Drained, so that a full pipe never blocks the operator.
        DataReceivedEventHandler keep = (_, line) =>
        {
            if (output is not null && line.Data is { Length: > 0 } text)
            {
                lock (output)
                {
                    if (output.Count < 20)
                    {
                        output.Add(text);
                    }
                }
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}

/// <summary>A memory cgroup of its own for one process (cgroup v1's memory controller, or v2), removed when disposed.</summary>
internal sealed class MemoryCgroup : IDisposable
{
    private readonly string _path;
    private readonly bool _v2;

    private MemoryCgroup(string path, bool v2)
    {
        _path = path;
        _v2 = v2;
    }

    /// <summary>The file a process writes its id to, to join.</summary>
    public string Procs => Path.Combine(_path, "cgroup.procs");

    /// <summary>The highest memory use seen (v1: <c>memory.max_usage_in_bytes</c>; v2: <c>memory.peak</c>).</summary>
    public long Peak => Read(_v2 ? "memory.peak" : "memory.max_usage_in_bytes");

    /// <summary>Whether the kernel killed a process of the cgroup at its limit.</summary>
    public bool OomKilled => File.ReadLines(Path.Combine(_path, _v2 ? "memory.events" : "memory.oom_control"))
        .Any(l => l.StartsWith("oom_kill ", StringComparison.Ordinal) && l != "oom_kill 0");

    public static MemoryCgroup Create(long limit)
    {
        var name = $"vvp-fleet-{Environment.ProcessId}-{Guid.NewGuid():N}";
        if (Directory.Exists("/sys/fs/cgroup/memory"))
        {
            var path = Path.Combine("/sys/fs/cgroup/memory", name);
            Directory.CreateDirectory(path);
            File.WriteAllText(Path.Combine(path, "memory.limit_in_bytes"), limit.ToString(CultureInfo.InvariantCulture));
            // No swap to hide in: past the limit the kernel kills, as in a container.
            TryWrite(Path.Combine(path, "memory.memsw.limit_in_bytes"), limit.ToString(CultureInfo.InvariantCulture));
            TryWrite(Path.Combine(path, "memory.swappiness"), "0");
            return new MemoryCgroup(path, v2: false);
        }

        if (File.Exists("/sys/fs/cgroup/cgroup.controllers") && File.ReadAllText("/sys/fs/cgroup/cgroup.controllers").Contains("memory", StringComparison.Ordinal))
        {
            var path = Path.Combine("/sys/fs/cgroup", name);
            Directory.CreateDirectory(path);
            File.WriteAllText(Path.Combine(path, "memory.max"), limit.ToString(CultureInfo.InvariantCulture));
            TryWrite(Path.Combine(path, "memory.swap.max"), "0");
            return new MemoryCgroup(path, v2: true);
        }

        throw new InvalidOperationException("A memory limit needs a writable memory cgroup (/sys/fs/cgroup/memory or cgroup v2, as root).");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_path);
        }
        catch (IOException)
        {
            // A process still in it: the kernel removes nothing; left for the machine's owner.
        }
    }

    private long Read(string file) =>
        File.Exists(Path.Combine(_path, file)) && long.TryParse(File.ReadAllText(Path.Combine(_path, file)).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static void TryWrite(string file, string value)
    {
        try
        {
            File.WriteAllText(file, value);
        }
        catch (IOException)
        {
            // Not offered by this kernel (no swap accounting): the limit alone holds.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
