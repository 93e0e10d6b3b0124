using Vvp.Reconciliation.Stress;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Security;

/// <summary>
/// The fuzz and soak runs of <c>tools/Vvp.Reconciliation.Stress</c> at a size that suits every test run (the full
/// runs and their figures are in docs/reliability.md).
/// </summary>
public sealed class StressTests
{
    [Fact]
    public async Task Three_thousand_fuzzed_CRs_and_platform_answers_raise_no_unhandled_exception_and_every_rejection_has_a_path()
    {
        var examples = Directory.GetFiles(Path.Combine(SharedFolder.RepositoryRoot(), "samples", "QuickStart", "crs"), "*.yaml").Select(File.ReadAllText).ToList();
        examples.Add(TestCrs.SeedTestCrYaml);

        // On the thread pool: the run's awaits do not queue for the test framework's few threads.
        var report = await Task.Run(() => Fuzzer.RunAsync(3_000, seed: 20261125, examples));

        report.Failures.Should().BeEmpty();
        report.Rejected.Should().BeGreaterThan(500, "most mutations make a CR invalid");
        report.Reconciled.Should().BeGreaterThan(300, "valid CRs meet a misbehaving platform");
        report.PlatformFaults.Should().BeGreaterThan(100);
    }

    [Fact]
    public async Task A_fleet_under_twenty_percent_injected_faults_converges_with_nothing_created_twice_and_then_writes_nothing()
    {
        var report = await Task.Run(() => Soak.RunAsync(new SoakOptions { Crs = 120, Concurrency = 8, FaultPercent = 20, Seed = 7 }));

        report.Problems.Should().BeEmpty(report.ToString());
        report.Faults.Values.Sum().Should().BeGreaterThan(50, "faults of every kind were injected");
        report.Faults.Keys.Should().Contain(["503", "429+Retry-After", "timeout", "reset", "409", "wrong-shape body", "lost answer"]);
        report.Creates.Should().Be(120);
        report.SteadyWrites.Should().Equal(0, 0, 0);
    }

    [Fact]
    public async Task A_small_fleet_run_of_the_operator_process_converges_and_measures_every_figure()
    {
        var report = await Task.Run(() => Fleet.RunAsync(new FleetOptions { Crs = 60, ResyncPeriod = TimeSpan.FromSeconds(4), Resyncs = 2, CanariesPerResync = 5, QuietResyncs = true }));

        report.Problems.Should().BeEmpty(report.ToString());
        report.Convergence.Should().BePositive();
        report.RssAfterConvergence.Should().BeGreaterThan(10L * 1024 * 1024, "the operator process's resident memory was read");
        report.RssAfterResyncs.Should().HaveCount(2);
        report.CpuMicrosecondsPerCr.Should().HaveCount(2).And.OnlyContain(c => c > 0);
        report.QuietCpuMicrosecondsPerCr.Should().Equal([report.CpuMicrosecondsPerCr[1]], "the second resync ran without new CRs");
        report.CanaryDelays.Should().HaveCount(5, "every new CR created during the first resync got its status, and the second had none");
        report.ToString().Should().StartWith("| 60 | auto |", "the operator's default reads the platform namespace of 60 CRs with one LIST");
    }

    [Fact]
    public async Task Four_operator_processes_with_four_identities_over_forty_namespaces_each_reconcile_only_their_own_and_a_killed_one_s_stay_idle_until_it_returns()
    {
        var report = await Task.Run(() => Shards.RunAsync(new ShardOptions { Processes = 4, Namespaces = 40, CrsPerNamespace = 2, Workers = 2 }));

        report.Problems.Should().BeEmpty(report.ToString());
        report.Rows.Should().HaveCount(4).And.OnlyContain(r => r.Namespaces == 10 && r.Crs == 20 && r.Rss > 10L * 1024 * 1024);
        report.Rows.Select(r => r.Identity).Should().Equal("shard-0", "shard-1", "shard-2", "shard-3");
        report.Killed.Should().Be("shard-1");
        report.ServedCanaries.Should().Be(30, "the live identities served their namespaces' new CRs (the positive control)");
        report.IdleCanaries.Should().Be(10, "the killed identity's namespaces stayed idle: its locks last, nobody took them over");
        report.Recovery.Should().BePositive();
    }

    [Fact]
    public async Task The_operator_under_a_hostile_Kubernetes_API_keeps_the_canary_rule_leaks_no_token_and_never_stops()
    {
        var report = await Task.Run(() => OperatorFaults.RunAsync(new OperatorFaultOptions { Duration = TimeSpan.FromSeconds(15), Rate = 1, WatchTimeout = TimeSpan.FromSeconds(3), Seed = 11 }));

        report.Problems.Should().BeEmpty(report.ToString());
        report.Faults.Keys.Should().HaveCount(14, "every kind of fault was injected, the wrong-kind list carrying the token among them");
        report.Canaries.Should().BeGreaterThanOrEqualTo(10, "a canary every second");
        report.CanaryMax.Should().BeGreaterThan(TimeSpan.Zero).And.BeLessThanOrEqualTo(TimeSpan.FromSeconds(6));
        report.UnhandledExceptions.Should().Be(0);
        report.TokenFragments.Should().Be(0);
    }
}
