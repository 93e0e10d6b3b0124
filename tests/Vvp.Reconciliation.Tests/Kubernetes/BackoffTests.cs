using Vvp.Reconciliation.Kubernetes;

namespace Vvp.Reconciliation.Tests.Kubernetes;

public sealed class BackoffTests
{
    [Fact]
    public void The_delay_doubles_per_failure_up_to_the_cap()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));

        Enumerable.Range(1, 6).Select(f => backoff.Delay(f).TotalMilliseconds).Should().Equal(100, 200, 400, 800, 1000, 1000);
        backoff.Delay(10_000).Should().Be(TimeSpan.FromSeconds(1), "a long run of failures never overflows");
    }

    [Fact]
    public void Jitter_stretches_each_delay_by_at_most_its_fraction_and_spreads_them()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), Jitter: 0.2);
        var random = new Random(7);

        var delays = Enumerable.Range(0, 1000).Select(_ => backoff.Delay(3, random)).ToList();

        delays.Should().OnlyContain(d => d >= TimeSpan.FromSeconds(4) && d <= TimeSpan.FromSeconds(4.8));
        delays.Distinct().Count().Should().BeGreaterThan(900, "replicas that failed together do not retry together");
    }
}
