using System.Diagnostics;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Stress;

/// <summary>What a sharded run sets up.</summary>
public sealed class ShardOptions
{
    /// <summary>Operator processes, one identity each.</summary>
    public int Processes { get; init; } = 4;

    /// <summary>Namespaces, dealt to the identities in turn (namespace i to identity i mod processes).</summary>
    public int Namespaces { get; init; } = 40;

    /// <summary>CRs in each namespace, created before the processes start.</summary>
    public int CrsPerNamespace { get; init; } = 25;

    /// <summary>Each process's workers.</summary>
    public int Workers { get; init; } = 4;
}

/// <summary>One identity's figures in a sharded run.</summary>
/// <param name="Identity">The identity.</param>
/// <param name="Namespaces">Its watched namespaces.</param>
/// <param name="Crs">The CRs in them.</param>
/// <param name="Convergence">From the processes' start until each of its CRs had a status.</param>
/// <param name="Rss">Its resident memory then.</param>
/// <param name="CpuMicrosecondsPerCr">Its CPU until then, per CR.</param>
public sealed record ShardRow(string Identity, int Namespaces, int Crs, TimeSpan Convergence, long Rss, double CpuMicrosecondsPerCr);

/// <summary>What a sharded run saw.</summary>
/// <param name="Rows">One per identity.</param>
/// <param name="Killed">The identity whose process was killed.</param>
/// <param name="IdleCanaries">The killed identity's new CRs that stayed without a status while it was down.</param>
/// <param name="ServedCanaries">The other identities' new CRs that got one meanwhile.</param>
/// <param name="Recovery">From the killed identity's new process's start until its new CRs had a status.</param>
/// <param name="Problems">Every rule broken: a CR reconciled by two identities or by none, a lock taken over, a deployment created twice.</param>
public sealed record ShardReport(IReadOnlyList<ShardRow> Rows, string Killed, int IdleCanaries, int ServedCanaries, TimeSpan Recovery, IReadOnlyList<string> Problems)
{
    /// <summary>The header of the table <see cref="ToString"/> prints.</summary>
    public const string Header =
        "| identity | namespaces | CRs | start → all statuses | CRs/s | RSS then | CPU per CR |\n" +
        "|---|---:|---:|---:|---:|---:|---:|";

    /// <inheritdoc />
    public override string ToString() =>
        string.Join('\n', Rows.Select(r => $"| {r.Identity} | {r.Namespaces} | {r.Crs:N0} | {r.Convergence.TotalSeconds:0.0} s | {r.Crs / r.Convergence.TotalSeconds:0} | {r.Rss / (1024 * 1024)} MiB | {r.CpuMicrosecondsPerCr:0} µs |")) +
        $"\n{Killed} killed: its {IdleCanaries} new CRs stayed without a status while the others' {ServedCanaries} got theirs; back {Recovery.TotalSeconds:0.0} s after its new process started; locks never taken over." +
        (Problems.Count == 0 ? string.Empty : "\nproblems:\n  " + string.Join("\n  ", Problems));
}

/// <summary>
/// Sharding by identity, as the original documentation's model has it (one identity per set of watched namespaces): N
/// real <c>vvp-operator</c> processes, each its own identity over its share of the namespaces, against one Kubernetes API
/// stand-in and one platform emulator. It checks that every CR is reconciled by exactly one identity (its Events name one
/// replica, its deployment is created once), that every namespace's lock names its identity and is never rewritten, and
/// that a killed process's namespaces stay idle (its lock lasts) while the others go on, until it comes back.
/// </summary>
public static class Shards
{
    private const string LockName = "ververica-operator-leader-election";

    /// <summary>Runs the shards.</summary>
    /// <param name="options">The run.</param>
    /// <returns>The figures and any rule broken.</returns>
    public static async Task<ShardReport> RunAsync(ShardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        await using var api = await KubernetesApiStandIn.StartAsync().ConfigureAwait(false);
        await using var emulator = await PlatformEmulator.StartAsync(new InMemoryPlatform(new InMemoryPlatformOptions { TransitionDuration = TimeSpan.Zero })).ConfigureAwait(false);
        // The platform's calls are kept (each deployment must be created once); the emulator's copies of every exchange are not.
        emulator.RecordExchanges = false;
        var namespaces = Enumerable.Range(0, options.Namespaces).Select(n => $"shard-ns-{n:D3}").ToList();
        string IdentityOf(string ns) => $"shard-{namespaces.IndexOf(ns) % options.Processes}";
        var shards = Enumerable.Range(0, options.Processes).Select(p => new Shard($"shard-{p}", [.. namespaces.Where((_, n) => n % options.Processes == p)])).ToList();
        foreach (var ns in namespaces)
        {
            for (var i = 0; i < options.CrsPerNamespace; i++)
            {
                api.Create(ApiResource.VvpDeployments, ns, Fleet.Cr($"{ns}-cr-{i:D5}"));
            }
        }

        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vvp-shards-{Guid.NewGuid():N}.yaml");
        api.WriteKubeconfig(kubeconfig);
        try
        {
            var started = Stopwatch.StartNew();
            foreach (var shard in shards)
            {
                shard.Process = Start(shard, "a", options, kubeconfig, emulator.BaseAddress);
            }

            // Each shard's convergence: until every CR of its namespaces has a status.
            var rows = new ShardRow?[shards.Count];
            while (rows.Any(r => r is null) && started.Elapsed < TimeSpan.FromMinutes(30))
            {
                for (var s = 0; s < shards.Count; s++)
                {
                    var process = shards[s].Process!;
                    if (rows[s] is null && process.HasExited)
                    {
                        throw new InvalidOperationException($"the process of {shards[s].Identity} exited with code {process.ExitCode} before its CRs converged.");
                    }

                    if (rows[s] is null && shards[s].Namespaces.Sum(ns => Statused(api, ns)) == shards[s].Namespaces.Count * options.CrsPerNamespace)
                    {
                        var crs = shards[s].Namespaces.Count * options.CrsPerNamespace;
                        rows[s] = new ShardRow(shards[s].Identity, shards[s].Namespaces.Count, crs, started.Elapsed, Fleet.Rss(process), Fleet.Cpu(process).TotalMicroseconds / crs);
                    }
                }

                await Task.Delay(100).ConfigureAwait(false);
            }

            if (rows.Any(r => r is null))
            {
                problems.Add("not every shard converged within 30 minutes");
                return new ShardReport([.. rows.OfType<ShardRow>()], "–", 0, 0, TimeSpan.Zero, problems);
            }

            // The locks: each namespace's names its identity; their versions must never change from here on.
            var locks = namespaces.ToDictionary(ns => ns, ns => api.Get(ApiResource.ConfigMaps, ns, LockName));
            foreach (var (ns, configMap) in locks)
            {
                if (JsonRead.String(configMap, "data", "identity") != IdentityOf(ns))
                {
                    problems.Add($"the lock of {ns} names {JsonRead.String(configMap, "data", "identity") ?? "no identity"}, not {IdentityOf(ns)}");
                }
            }

            CheckOneReplicaEach(api, shards, "a", problems);
            var creates = emulator.Platform.Calls.Where(c => c.Operation == PlatformOperation.CreateDeployment).GroupBy(c => c.Name).ToList();
            foreach (var twice in creates.Where(g => g.Count() > 1))
            {
                problems.Add($"the deployment {twice.Key} was created {twice.Count()} times");
            }

            if (creates.Count != options.Namespaces * options.CrsPerNamespace)
            {
                problems.Add($"{creates.Count} deployments were created for {options.Namespaces * options.CrsPerNamespace} CRs");
            }

            // One process killed (as a node lost): its namespaces idle, the others served, no lock taken over.
            var killed = shards[Math.Min(1, shards.Count - 1)];
            killed.Process!.Kill();
            await killed.Process.WaitForExitAsync().ConfigureAwait(false);
            foreach (var ns in namespaces)
            {
                api.Create(ApiResource.VvpDeployments, ns, Fleet.Cr($"{ns}-canary"));
            }

            var others = namespaces.Where(ns => !killed.Namespaces.Contains(ns)).ToList();
            var waited = Stopwatch.StartNew();
            while (others.Any(ns => !HasStatus(api, ns, $"{ns}-canary")) && waited.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(100).ConfigureAwait(false);
            }

            var served = others.Count(ns => HasStatus(api, ns, $"{ns}-canary"));
            if (served != others.Count)
            {
                problems.Add($"{others.Count - served} new CRs of the live identities had no status after 2 minutes");
            }

            // The positive control above has passed: the live shards handled new CRs created at the same moment.
            var idle = killed.Namespaces.Count(ns => !HasStatus(api, ns, $"{ns}-canary"));
            if (idle != killed.Namespaces.Count)
            {
                problems.Add($"{killed.Namespaces.Count - idle} new CRs of the killed identity {killed.Identity} got a status while it was down");
            }

            CheckLocksUnchanged(api, locks, problems);

            // Back: the same identity, a new replica; its lease expires first, then its namespaces are served again.
            var restarted = Stopwatch.StartNew();
            killed.Process.Dispose();
            killed.Process = Start(killed, "b", options, kubeconfig, emulator.BaseAddress);
            while (killed.Namespaces.Any(ns => !HasStatus(api, ns, $"{ns}-canary")) && restarted.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(100).ConfigureAwait(false);
            }

            var recovery = restarted.Elapsed;
            if (killed.Namespaces.Any(ns => !HasStatus(api, ns, $"{ns}-canary")))
            {
                problems.Add($"{killed.Identity}'s new process left its namespaces' new CRs without a status for 2 minutes");
            }

            CheckLocksUnchanged(api, locks, problems);
            CheckOneReplicaEach(api, [killed], "b", problems, canariesOnly: true);
            return new ShardReport([.. rows.OfType<ShardRow>()], killed.Identity, idle, served, recovery, problems);
        }
        finally
        {
            foreach (var shard in shards.Where(s => s.Process is not null))
            {
                if (!shard.Process!.HasExited)
                {
                    shard.Process.Kill();
                    await shard.Process.WaitForExitAsync().ConfigureAwait(false);
                }

                shard.Process.Dispose();
            }

            File.Delete(kubeconfig);
        }
    }

    private static Process Start(Shard shard, string replica, ShardOptions options, string kubeconfig, Uri platform) =>
        OperatorProcess.Start(
            [
                $"--vvp:k8sOperator:identity={shard.Identity}",
                $"--vvp:k8sOperator:holderIdentity={shard.Identity}-{replica}",
                $"--vvp:k8sOperator:watchedNamespaces={string.Join(',', shard.Namespaces)}",
                $"--vvp:k8sOperator:workers={options.Workers}",
                // A short lease, so that the replica that replaces a killed one takes over soon.
                "--vvp:k8sOperator:leaseDuration=6",
                "--vvp:k8sOperator:renewDeadline=4",
                "--vvp:k8sOperator:retryPeriod=1",
                "--vvp:k8sOperator:shutdownGrace=3",
            ],
            kubeconfig,
            platform);

    // Every Event in a shard's namespaces was recorded by that shard's replica: no other identity touched its CRs.
    private static void CheckOneReplicaEach(KubernetesApiStandIn api, IEnumerable<Shard> shards, string replica, List<string> problems, bool canariesOnly = false)
    {
        foreach (var shard in shards)
        {
            foreach (var ns in shard.Namespaces)
            {
                var events = api.List(ApiResource.Events, ns)
                    .Where(e => !canariesOnly || JsonRead.String(e, "involvedObject", "name") == $"{ns}-canary")
                    .ToList();
                if (events.Count == 0)
                {
                    problems.Add($"no Event in {ns}: its CRs' handling cannot be told apart");
                }

                foreach (var e in events.Where(e => JsonRead.String(e, "reportingInstance") != $"{shard.Identity}-{replica}"))
                {
                    problems.Add($"an Event of {JsonRead.String(e, "involvedObject", "name")} in {ns} was recorded by {JsonRead.String(e, "reportingInstance") ?? "no replica"}, not {shard.Identity}-{replica}");
                }
            }
        }
    }

    private static void CheckLocksUnchanged(KubernetesApiStandIn api, Dictionary<string, JsonObject?> locks, List<string> problems)
    {
        foreach (var (ns, claimed) in locks)
        {
            var now = api.Get(ApiResource.ConfigMaps, ns, LockName);
            if (JsonRead.String(now, "metadata", "resourceVersion") != JsonRead.String(claimed, "metadata", "resourceVersion"))
            {
                problems.Add($"the lock of {ns} was rewritten: it names {JsonRead.String(now, "data", "identity") ?? "nothing"} now");
            }
        }
    }

    private static int Statused(KubernetesApiStandIn api, string ns) =>
        api.Count(ApiResource.VvpDeployments, ns, cr => JsonRead.At(cr, "status", "observedGeneration") is not null);

    private static bool HasStatus(KubernetesApiStandIn api, string ns, string name) =>
        JsonRead.At(api.Get(ApiResource.VvpDeployments, ns, name), "status", "observedGeneration") is not null;

    private sealed class Shard(string identity, List<string> namespaces)
    {
        public string Identity { get; } = identity;

        public List<string> Namespaces { get; } = namespaces;

        public Process? Process { get; set; }
    }
}
