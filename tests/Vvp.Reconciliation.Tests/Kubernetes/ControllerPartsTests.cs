using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>The controller's parts one at a time: the informer, the event filter, the event recorder and the Lease elector, against the stand-in.</summary>
public sealed class ControllerPartsTests : IAsyncLifetime, IDisposable
{
    private const string Ns = "jobs";
    private KubernetesApiStandIn _standIn = null!;
    private k8s.Kubernetes _client = null!;
    private KubernetesApi _api = null!;
    private string _kubeconfig = null!;

    public async Task InitializeAsync()
    {
        _standIn = await KubernetesApiStandIn.StartAsync();
        _kubeconfig = Path.Combine(Path.GetTempPath(), $"vvp-parts-{Guid.NewGuid():N}.yaml");
        _standIn.WriteKubeconfig(_kubeconfig);
        _client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(_kubeconfig));
        _api = new KubernetesApi(_client, TimeSpan.FromSeconds(5));
    }

    public void Dispose() => _client.Dispose();

    public async Task DisposeAsync()
    {
        await _standIn.DisposeAsync();
        File.Delete(_kubeconfig);
    }

    [Fact]
    public void The_event_filter_ignores_status_resourceVersion_and_managedFields_and_sees_everything_else()
    {
        var cached = Cr("a", resourceVersion: "1");

        VvpDeploymentHost.ChangesMoreThanStatus(cached, With(cached, c => c["status"] = new JsonObject { ["x"] = 1 })).Should().BeFalse();
        VvpDeploymentHost.ChangesMoreThanStatus(cached, With(cached, c => c["metadata"]!["resourceVersion"] = "2")).Should().BeFalse();
        VvpDeploymentHost.ChangesMoreThanStatus(cached, With(cached, c => c["metadata"]!["managedFields"] = new JsonArray())).Should().BeFalse();
        VvpDeploymentHost.ChangesMoreThanStatus(cached, With(cached, c => c["spec"]!["x"] = 1)).Should().BeTrue();
        VvpDeploymentHost.ChangesMoreThanStatus(cached, With(cached, c => c["metadata"]!["labels"] = new JsonObject { ["team"] = "a" })).Should().BeTrue();
        VvpDeploymentHost.ChangesMoreThanStatus(cached, With(cached, c => c["metadata"]!["deletionTimestamp"] = "2026-01-01T00:00:00Z")).Should().BeTrue();
    }

    [Fact]
    public async Task The_informer_lists_then_watches_reports_adds_changes_and_deletes_and_lists_again_after_410()
    {
        _standIn.Create(ApiResource.VvpDeployments, Ns, Cr("before"));
        var seen = new ConcurrentQueue<(string Name, bool Deleted)>();
        var informer = new Informer(_api, ResourceType.VvpDeployments, Ns, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeProvider.System, NullLogger.Instance, (name, obj) => seen.Enqueue((name, obj is null)), VvpDeploymentHost.ChangesMoreThanStatus);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);

        await OperatorSession.Eventually(() => seen.Contains(("before", false)), "the listed object is reported");
        informer.Lists.Should().Be(1);
        await OperatorSession.Eventually(() => _standIn.OpenWatches == 1, "the informer watches");
        _standIn.Create(ApiResource.VvpDeployments, Ns, Cr("after"));
        await OperatorSession.Eventually(() => seen.Contains(("after", false)), "an added object is reported");

        // A status-only change is not reported; the spec change after it on the same watch is.
        _standIn.Update(ApiResource.VvpDeployments, Ns, "after", c => c["status"] = new JsonObject { ["note"] = "x" }, status: true);
        _standIn.Update(ApiResource.VvpDeployments, Ns, "before", c => c["spec"]!["x"] = 1);
        await OperatorSession.Eventually(() => seen.Count(s => s == ("before", false)) == 2, "the spec change is reported");
        seen.Count(s => s == ("after", false)).Should().Be(1, "the status-only change before it was not");

        // A deletion while the watch is down, and a history compacted meanwhile: 410, a new list, the deletion reported.
        _standIn.Faults.FailNext("watch", "vvpdeployments", 503, times: 1);
        _standIn.DropWatches();
        _standIn.Delete(ApiResource.VvpDeployments, Ns, "before");
        _standIn.Compact();
        await OperatorSession.Eventually(() => seen.Contains(("before", true)), "the deletion is reported after the relist");
        informer.Lists.Should().BeGreaterThan(1);
        informer.TryGet("before", out _).Should().BeFalse();
        informer.TryGet("after", out var after).Should().BeTrue();

        // Each read is a tree of its reader's own, read from the one compact copy the cache holds.
        after["spec"]!["x"] = "changed by a reader";
        informer.TryGet("after", out var again).Should().BeTrue();
        JsonRead.At(again, "spec", "x").Should().BeNull();
        again.Should().NotBeSameAs(after);
        informer.CachedBytes.Should().Be(System.Text.Encoding.UTF8.GetByteCount(again.ToJsonString()));

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_event_recorder_counts_one_event_up_and_rate_limits_each_object_on_its_clock()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var recorder = new EventRecorder(_api, time, NullLogger.Instance, burst: 3, refill: TimeSpan.FromMinutes(1), "vvp-operator", "pod-a");
        var cr = Cr("test-cr");
        cr["metadata"]!["uid"] = "u-1";

        for (var i = 0; i < 3; i++)
        {
            await recorder.RecordAsync(cr, ReconcileEvent.Warning("TransientFailure", "busy"), default);
        }

        var events = _standIn.List(ApiResource.Events, Ns);
        events.Should().ContainSingle("one object per object, reason and message");
        JsonRead.Int64(events[0], "count").Should().Be(3);
        JsonRead.String(events[0], "reportingComponent").Should().Be("vvp-operator");
        JsonRead.String(events[0], "reportingInstance").Should().Be("pod-a", "the replica that recorded it");

        await recorder.RecordAsync(cr, ReconcileEvent.Warning("TransientFailure", "busier"), default);
        recorder.Dropped.Should().Be(1, "the burst of 3 is spent");
        _standIn.List(ApiResource.Events, Ns).Should().ContainSingle();

        time.Advance(TimeSpan.FromMinutes(1));
        await recorder.RecordAsync(cr, ReconcileEvent.Warning("TransientFailure", "busier"), default);
        _standIn.List(ApiResource.Events, Ns).Should().HaveCount(2, "one more after the refill");
    }

    [Fact]
    public async Task The_informer_keeps_the_indexed_value_beside_each_object_and_follows_its_changes()
    {
        _standIn.Create(ApiResource.VvpDeployments, Ns, With(Cr("named"), c => c["metadata"]!["annotations"] = new JsonObject { [VvpDeploymentResource.ApiKeySecretNameAnnotation] = "token-a" }));
        _standIn.Create(ApiResource.VvpDeployments, Ns, Cr("unnamed"));
        var seen = new ConcurrentQueue<string>();
        var informer = new Informer(_api, ResourceType.VvpDeployments, Ns, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), TimeProvider.System, NullLogger.Instance, (name, _) => seen.Enqueue(name), VvpDeploymentHost.ChangesMoreThanStatus, VvpDeploymentHost.SecretNamed);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await OperatorSession.Eventually(() => seen.Contains("named") && seen.Contains("unnamed") && _standIn.OpenWatches == 1, "both are listed and the informer watches");

        informer.IndexOf("named").Should().Be("token-a");
        informer.IndexOf("unnamed").Should().BeNull();
        informer.IndexOf("absent").Should().BeNull();

        _standIn.Update(ApiResource.VvpDeployments, Ns, "named", c => c["metadata"]!["annotations"]![VvpDeploymentResource.ApiKeySecretNameAnnotation] = "token-b");
        await OperatorSession.Eventually(() => informer.IndexOf("named") == "token-b", "the index follows the watched change");

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task The_event_recorder_lets_the_buckets_of_quiet_objects_go_once_they_would_be_full_again()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var recorder = new EventRecorder(_api, time, NullLogger.Instance, burst: 3, refill: TimeSpan.FromMinutes(1), "vvp-operator");
        for (var i = 0; i < 1_100; i++)
        {
            var cr = Cr($"cr-{i:D4}");
            cr["metadata"]!["uid"] = $"u-{i}";
            await recorder.RecordAsync(cr, ReconcileEvent.Normal("Created", "created"), default);
        }

        recorder.Buckets.Should().Be(1_100, "one per object that recorded an Event");
        _standIn.List(ApiResource.Events, Ns).Should().HaveCount(1_100);

        // Three minutes: every bucket is full again (burst 3, one per minute), which is what no bucket means.
        time.Advance(TimeSpan.FromMinutes(3));
        var late = Cr("late");
        late["metadata"]!["uid"] = "u-late";
        await recorder.RecordAsync(late, ReconcileEvent.Normal("Created", "created"), default);

        recorder.Buckets.Should().Be(1, "the quiet objects' full buckets were let go");
        for (var i = 0; i < 3; i++)
        {
            await recorder.RecordAsync(late, ReconcileEvent.Warning("TransientFailure", $"busy {i}"), default);
        }

        recorder.Dropped.Should().Be(1, "the rate limit still holds for an object that is recording (a burst of 3 spent by 4)");
    }

    [Fact]
    public async Task A_standby_takes_the_lease_only_once_it_expired_on_its_own_clock_and_a_stopped_leader_releases_it()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new VvpOperatorOptions { LeaseDuration = TimeSpan.FromSeconds(15), RenewDeadline = TimeSpan.FromSeconds(10), RetryPeriod = TimeSpan.FromSeconds(2) };
        _standIn.Create(ApiResource.Leases, Ns, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "vvp-operator-vvp-1" },
            ["spec"] = new JsonObject { ["holderIdentity"] = "pod-a", ["leaseDurationSeconds"] = 15, ["renewTime"] = "2026-12-01T00:00:00.000000Z", ["leaseTransitions"] = 0 },
        });
        var elector = new LeaseElector(_api, Ns, "vvp-operator-vvp-1", "pod-b", options, time, NullLogger.Instance, () => { });
        var terms = 0;
        using var stop = new CancellationTokenSource();
        var leading = new TaskCompletionSource();
        var run = elector.RunAsync(
            async term =>
            {
                Interlocked.Increment(ref terms);
                leading.TrySetResult();
                await Task.Delay(Timeout.Infinite, term).ContinueWith(_ => { }, TaskScheduler.Default);
            },
            stop.Token);

        // While the holder's lease has not expired on the standby's clock, it tries and does not lead.
        var start = time.GetUtcNow();
        await AdvanceUntil(time, () => time.GetUtcNow() - start >= TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(30));
        _standIn.Calls.Count(c => c.Resource == "leases" && c.Verb == "get").Should().BeGreaterThanOrEqualTo(3, "the standby kept trying (the positive control)");
        terms.Should().Be(0, "the lease has 15 s and 12 s have passed");

        await AdvanceUntil(time, () => leading.Task.IsCompleted, TimeSpan.FromSeconds(30));
        terms.Should().Be(1);
        var lease = _standIn.Get(ApiResource.Leases, Ns, "vvp-operator-vvp-1");
        JsonRead.String(lease, "spec", "holderIdentity").Should().Be("pod-b");
        JsonRead.Int64(lease, "spec", "leaseTransitions").Should().Be(1);

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        JsonRead.String(_standIn.Get(ApiResource.Leases, Ns, "vvp-operator-vvp-1"), "spec", "holderIdentity").Should().BeNull("a stopped leader releases its lease");
    }

    // Moves the fake clock a second at a time, letting the elector's timers fire and its calls finish in between.
    private static async Task AdvanceUntil(FakeTimeProvider time, Func<bool> done, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The fake clock ran without reaching the condition.");
            }

            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(50);
        }
    }

    private static JsonObject Cr(string name, string? resourceVersion = null)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = Ns };
        if (resourceVersion is not null)
        {
            metadata["resourceVersion"] = resourceVersion;
        }

        return new JsonObject { ["apiVersion"] = "ververica.platform/v1", ["kind"] = "VvpDeployment", ["metadata"] = metadata, ["spec"] = new JsonObject() };
    }

    private static JsonObject With(JsonObject obj, Action<JsonObject> change)
    {
        var copy = (JsonObject)obj.DeepClone();
        change(copy);
        return copy;
    }
}
