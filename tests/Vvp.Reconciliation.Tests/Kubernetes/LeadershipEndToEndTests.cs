using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>The namespace lock (one identity per namespace, forever) and leader election among replicas of one identity (SEMANTICS §15).</summary>
public sealed class LeadershipEndToEndTests
{
    [Fact]
    public async Task A_second_identity_is_refused_with_a_message_naming_the_namespace_and_the_holder()
    {
        await using var session = await OperatorSession.StartAsync();
        var first = session.Start(OperatorSession.Options("vvp-1"));
        await OperatorSession.Eventually(() => first.Controller.Health.LocksHeld, "vvp-1 holds the lock");

        var second = session.Start(OperatorSession.Options("vvp-2", "pod-b"));

        var refused = await second.Invoking(r => r.Run.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<NamespaceLockException>();
        refused.Which.Message.Should().Contain("'jobs'").And.Contain("'vvp-1'").And.Contain("ververica-operator-leader-election");
        refused.Which.Holders.Should().Equal(new Dictionary<string, string> { ["jobs"] = "vvp-1" });
        second.Controller.Health.IsReady.Should().BeFalse();
        second.Controller.Health.IsAlive(TimeSpan.FromMinutes(1)).Should().BeFalse();
        NamespaceLockHolder(session).Should().Be("vvp-1");
    }

    [Fact]
    public async Task Two_identities_starting_together_leave_exactly_one_owner()
    {
        await using var session = await OperatorSession.StartAsync();
        var a = session.Start(OperatorSession.Options("vvp-a", "pod-a"));
        var b = session.Start(OperatorSession.Options("vvp-b", "pod-b"));

        await OperatorSession.Eventually(() => a.Controller.Health.LocksHeld || b.Controller.Health.LocksHeld, "one holds the lock");
        await OperatorSession.Eventually(() => a.Run.IsCompleted || b.Run.IsCompleted, "the other gave up");

        var (winner, loser) = a.Run.IsCompleted ? (b, a) : (a, b);
        loser.Run.IsFaulted.Should().BeTrue();
        loser.Run.Exception!.InnerException.Should().BeOfType<NamespaceLockException>();
        winner.Controller.Health.LocksHeld.Should().BeTrue();
        NamespaceLockHolder(session).Should().Be(winner == a ? "vvp-a" : "vvp-b");
    }

    [Fact]
    public async Task The_lock_of_a_stopped_operator_is_never_taken_over()
    {
        await using var session = await OperatorSession.StartAsync();
        var first = session.Start(OperatorSession.Options("vvp-1"));
        await OperatorSession.Eventually(() => first.Controller.Health.LocksHeld, "vvp-1 holds the lock");
        await first.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(4)); // longer than any lease

        var second = session.Start(OperatorSession.Options("vvp-2", "pod-b"));

        await second.Invoking(r => r.Run.WaitAsync(TimeSpan.FromSeconds(10))).Should().ThrowAsync<NamespaceLockException>();
        NamespaceLockHolder(session).Should().Be("vvp-1");
    }

    [Fact]
    public async Task Two_replicas_of_one_identity_reconcile_through_one_leader_and_the_other_takes_over_when_it_dies()
    {
        await using var session = await OperatorSession.StartAsync();
        var a = session.Start(OperatorSession.Options("vvp-1", "pod-a"));
        var b = session.Start(OperatorSession.Options("vvp-1", "pod-b"));
        for (var i = 0; i < 3; i++)
        {
            session.Apply($"cr-{i}");
        }

        await OperatorSession.Eventually(() => Enumerable.Range(0, 3).All(i => session.State($"cr-{i}") == "SYNCING"), "the CRs are synced");
        var (leader, standby) = a.Controller.Health.IsLeading ? (a, b) : (b, a);
        standby.Controller.Health.IsLeading.Should().BeFalse();
        standby.Controller.Reconciles.Should().Be(0, "only the leader reconciles");
        standby.Controller.Health.IsReady.Should().BeTrue("a healthy standby is ready");
        session.PlatformCreates().Should().Be(3);

        var killedAt = DateTime.UtcNow;
        leader.Kill();
        await OperatorSession.Eventually(() => standby.Controller.Health.IsLeading, "the standby leads", TimeSpan.FromSeconds(10));
        (DateTime.UtcNow - killedAt).Should().BeLessThan(TimeSpan.FromSeconds(3 + 2), "the lease lapses after its duration (3 s), plus a retry period");
        session.Apply("cr-after");

        await OperatorSession.Eventually(() => session.State("cr-after") == "SYNCING", "the new leader reconciles");
        session.PlatformCreates().Should().Be(4, "no deployment was created twice");
        session.Vvp.Calls.Where(c => c.Operation == PlatformOperation.CreateDeployment).Select(c => c.Name).Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task A_hundred_CRs_under_ten_percent_injected_faults_all_converge_without_a_duplicate_create()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Api.Faults.FailRandomly(0.10, seed: 7);
        session.Vvp.FailRandomly(PlatformOperation.GetDeployment, PlatformFault.Status(503, "busy"), 0.10, seed: 8);
        session.Vvp.FailRandomly(PlatformOperation.CreateDeployment, PlatformFault.Status(503, "busy"), 0.10, seed: 9);
        var running = session.Start(OperatorSession.Options(configure: o =>
        {
            o.Workers = 8;
            o.ResyncPeriod = TimeSpan.FromSeconds(2);
        }));
        var names = Enumerable.Range(0, 100).Select(i => $"cr-{i:D3}").ToList();
        foreach (var name in names)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    session.Apply(name);
                    break;
                }
                catch (KubernetesApiStandInException) when (attempt < 3)
                {
                    // The direct write is not subject to faults; this only guards a name clash.
                }
            }
        }

        await OperatorSession.Eventually(() => names.All(n => session.State(n) == "SYNCING" && session.Vvp.Snapshot("default", n) is not null), "all 100 CRs converged", TimeSpan.FromSeconds(90));
        List<EmulatorExchange> posts;
        lock (session.Emulator.Exchanges)
        {
            posts = [.. session.Emulator.Exchanges.Where(e => e.Method == "POST" && e.Path.EndsWith("/deployments", StringComparison.Ordinal))];
        }

        posts.Should().NotContain(p => p.Status == 409, "no deployment was created twice");
        posts.Where(p => p.Status is >= 200 and < 300).Should().HaveCount(100);
        session.Vvp.ExportState()["deployments"]!.AsArray().Should().HaveCount(100);
        session.Api.Calls.Should().Contain(c => c.StatusCode >= 500, "faults were injected");
        running.Run.IsCompleted.Should().BeFalse();
    }

    private static string? NamespaceLockHolder(OperatorSession session) =>
        JsonRead.String(session.Api.Get(ApiResource.ConfigMaps, OperatorSession.Namespace, "ververica-operator-leader-election"), "data", "identity");
}
