using Microsoft.Extensions.Time.Testing;
using Vvp.Reconciliation.Kubernetes;

namespace Vvp.Reconciliation.Tests.Kubernetes;

public sealed class WorkQueueTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task A_key_added_twice_is_handed_out_once()
    {
        using var queue = new WorkQueue<string>(_time, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        queue.Add("a");
        queue.Add("a");
        queue.Add("b");

        queue.Depth.Should().Be(2);
        (await queue.GetAsync(default)).Key.Should().Be("a");
        (await queue.GetAsync(default)).Key.Should().Be("b");
        queue.Depth.Should().Be(0);
    }

    [Fact]
    public async Task A_key_in_process_is_not_handed_out_again_until_done_and_then_exactly_once()
    {
        using var queue = new WorkQueue<string>(_time, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        queue.Add("a");
        var first = await queue.GetAsync(default);
        queue.Add("a");
        queue.Add("a");

        queue.Depth.Should().Be(0, "the key is being processed");
        queue.Done(first.Key);

        queue.Depth.Should().Be(1);
        (await queue.GetAsync(default)).Key.Should().Be("a");
        queue.Done("a");
        queue.Depth.Should().Be(0);
    }

    [Fact]
    public void Delayed_adds_of_one_key_keep_only_the_earliest_pending_time()
    {
        using var queue = new WorkQueue<string>(_time, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        for (var i = 0; i < 50; i++)
        {
            queue.AddAfter("a", TimeSpan.FromSeconds(10 + i));
        }

        queue.AddAfter("a", TimeSpan.FromSeconds(5));
        queue.Delayed.Should().Be(1, "one pending add per key, never a chain of timers");

        _time.Advance(TimeSpan.FromSeconds(5));
        queue.Depth.Should().Be(1);
        queue.Delayed.Should().Be(0);
        _time.Advance(TimeSpan.FromMinutes(2));
        queue.Depth.Should().Be(1, "the later adds were absorbed");
    }

    [Fact]
    public void Failures_back_off_exponentially_up_to_the_cap_until_forgotten()
    {
        using var queue = new WorkQueue<string>(_time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));

        var delays = Enumerable.Range(0, 6).Select(_ => queue.AddRateLimited("a")).ToList();

        delays.Should().Equal(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));
        queue.Forget("a");
        queue.AddRateLimited("a").Should().Be(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_removed_key_loses_its_pending_add()
    {
        using var queue = new WorkQueue<string>(_time, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        queue.AddAfter("gone", TimeSpan.FromSeconds(3));

        queue.Remove("gone");
        _time.Advance(TimeSpan.FromSeconds(10));

        queue.Depth.Should().Be(0);
    }

    [Fact]
    public async Task Shutting_down_releases_every_waiting_worker()
    {
        using var queue = new WorkQueue<string>(_time, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        var waiting = Enumerable.Range(0, 3).Select(_ => queue.GetAsync(default)).ToList();

        queue.ShutDown();

        var results = await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(5));
        results.Should().OnlyContain(r => !r.Ok);
    }

    [Fact]
    public async Task The_queue_reports_adds_waits_from_the_first_add_work_time_retries_and_work_in_flight()
    {
        var observer = new Recorded();
        using var queue = new WorkQueue<string>(_time, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), observer);

        queue.Add("a");
        _time.Advance(TimeSpan.FromSeconds(2));
        queue.Add("a");
        _time.Advance(TimeSpan.FromSeconds(1));
        var (_, key) = await queue.GetAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(4));
        var inFlight = queue.InFlight();
        queue.AddRateLimited(key);
        queue.Done(key);

        observer.Adds.Should().Be(1, "a key already waiting is not added again");
        observer.Waits.Should().Equal((key, TimeSpan.FromSeconds(3)));
        inFlight.Should().Be((4.0, 4.0));
        observer.Work.Should().Equal(TimeSpan.FromSeconds(4));
        observer.Retries.Should().Be(1);
        queue.InFlight().Should().Be((0.0, 0.0));
    }

    [Fact]
    public async Task A_changed_key_is_handed_out_before_a_thousand_keys_a_resync_queued()
    {
        using var queue = new WorkQueue<string>(_time, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        for (var i = 0; i < 1000; i++)
        {
            queue.Add($"resync-{i}", resync: true);
        }

        queue.Add("new-cr");
        queue.Add("resync-500");

        queue.Depth.Should().Be(1001, "a change to a waiting key moves it, it does not add it twice");
        (await queue.GetAsync(CancellationToken.None)).Key.Should().Be("new-cr");
        (await queue.GetAsync(CancellationToken.None)).Key.Should().Be("resync-500", "moved to the front lane by its change");
        (await queue.GetAsync(CancellationToken.None)).Key.Should().Be("resync-0", "the positive control: the resync's order otherwise");
        var rest = new List<string>();
        for (var i = 0; i < 998; i++)
        {
            rest.Add((await queue.GetAsync(CancellationToken.None)).Key);
        }

        rest.Should().OnlyHaveUniqueItems().And.NotContain("resync-500", "the moved key's old place is skipped");
        queue.Depth.Should().Be(0);
        using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var extra = queue.GetAsync(soon.Token);
        await extra.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>("nothing is handed out twice");
    }

    [Fact]
    public async Task A_key_a_resync_adds_while_a_worker_holds_it_goes_to_the_low_lane_and_a_change_lifts_it()
    {
        using var queue = new WorkQueue<string>(_time, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        queue.Add("held");
        var (_, held) = await queue.GetAsync(CancellationToken.None);
        queue.Add("held", resync: true);
        queue.Add("other", resync: true);
        queue.Done(held);

        (await queue.GetAsync(CancellationToken.None)).Key.Should().Be("other", "both wait in the low lane, in order");
        (await queue.GetAsync(CancellationToken.None)).Key.Should().Be("held");

        queue.Add("low", resync: true);
        var (_, again) = await queue.GetAsync(CancellationToken.None);
        queue.Add("low2", resync: true);
        queue.Add(again, resync: true);
        queue.Add(again);
        queue.Done(again);
        (await queue.GetAsync(CancellationToken.None)).Key.Should().Be("low", "a change while held sends it to the front lane");
    }

    [Fact]
    public async Task With_a_low_lane_limit_a_worker_is_left_for_changes_while_resync_keys_are_held()
    {
        using var queue = new WorkQueue<string>(_time, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), lowLimit: 1);
        queue.Add("r1", resync: true);
        queue.Add("r2", resync: true);
        var (_, first) = await queue.GetAsync(CancellationToken.None);
        first.Should().Be("r1");

        var second = queue.GetAsync(CancellationToken.None);
        second.IsCompleted.Should().BeFalse("one worker holds a resync key already, so r2 waits");
        queue.Depth.Should().Be(1);
        queue.Add("change");
        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Key.Should().Be("change", "the waiting worker takes a change at once");

        var third = queue.GetAsync(CancellationToken.None);
        third.IsCompleted.Should().BeFalse();
        queue.Done(first);
        (await third.WaitAsync(TimeSpan.FromSeconds(10))).Key.Should().Be("r2", "the low lane's slot is free again");
        FluentActions.Invoking(() => new WorkQueue<string>(_time, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), lowLimit: 0))
            .Should().Throw<ArgumentOutOfRangeException>().WithParameterName("lowLimit");
    }

    private sealed class Recorded : IWorkQueueObserver<string>
    {
        public int Adds { get; private set; }

        public int Retries { get; private set; }

        public List<(string, TimeSpan)> Waits { get; } = [];

        public List<TimeSpan> Work { get; } = [];

        public void Added() => Adds++;

        public void Taken(string key, TimeSpan waited) => Waits.Add((key, waited));

        public void Finished(TimeSpan worked) => Work.Add(worked);

        public void Retried() => Retries++;
    }
}
