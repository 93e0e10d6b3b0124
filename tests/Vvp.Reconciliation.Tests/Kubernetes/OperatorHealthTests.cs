using Microsoft.Extensions.Time.Testing;
using Vvp.Reconciliation.Kubernetes;

namespace Vvp.Reconciliation.Tests.Kubernetes;

public sealed class OperatorHealthTests
{
    [Fact]
    public void Liveness_fails_once_no_loop_ticked_for_the_stall_time_and_recovers_with_a_tick()
    {
        var time = new FakeTimeProvider();
        var health = new VvpOperatorHealth(time);
        health.IsAlive(TimeSpan.FromSeconds(60)).Should().BeTrue();

        time.Advance(TimeSpan.FromSeconds(61));
        health.IsAlive(TimeSpan.FromSeconds(60)).Should().BeFalse("the controller's loops stalled");

        health.Beat();
        health.IsAlive(TimeSpan.FromSeconds(60)).Should().BeTrue();
    }

    [Fact]
    public void Readiness_needs_the_locks_and_either_synced_caches_or_standing_by()
    {
        var health = new VvpOperatorHealth(new FakeTimeProvider());
        health.IsReady.Should().BeFalse("no lock is held yet");

        health.SetLocksHeld(true);
        health.IsReady.Should().BeTrue("a standby waiting its turn is ready");

        health.SetLeading(true);
        health.IsReady.Should().BeFalse("a leader is ready once its caches are synced");
        health.SetCachesSynced(true);
        health.IsReady.Should().BeTrue();

        health.SetFailure("namespace 'jobs' is owned by the operator 'vvp-2'");
        health.IsReady.Should().BeFalse();
        health.IsAlive(TimeSpan.FromMinutes(1)).Should().BeFalse();
    }
}
