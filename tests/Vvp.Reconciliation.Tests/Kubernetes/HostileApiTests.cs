using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>
/// The operator against a Kubernetes API that answers badly, and CRs written to hurt it: one object costs only itself,
/// a dead watch is noticed, a list is taken on trust only when it is the list asked for, hostile lock and Lease records
/// neither crash nor capture the operator, and text from outside reaches no log raw. Each fault case keeps the canary
/// rule: while it lasts, a healthy CR in the same namespace is reconciled within twice the watch timeout, and the
/// operator recovers without a restart. Over real sockets: the Kubernetes API stand-in (with its fault injection), the
/// platform emulator, the controller.
/// </summary>
public sealed class HostileApiTests
{
    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(3);

    public static TheoryData<string, int> DeepShapes() => new()
    {
        { "objects", 70 },
        { "objects", 1_000 },
        { "arrays", 1_500 },
    };

    [Theory]
    [MemberData(nameof(DeepShapes))]
    public async Task A_CR_nested_too_deep_costs_only_itself_it_is_InvalidSpec_naming_the_path_and_the_namespace_goes_on(string shape, int depth)
    {
        await using var session = await OperatorSession.StartAsync();
        var created = session.Apply("deep-cr", Deep(shape, depth));
        session.Apply("canary-before");
        var running = session.Start(Options());

        await Canary(session, "canary-before");
        session.Apply("canary-after");
        await Canary(session, "canary-after");
        await OperatorSession.Eventually(() => Condition(session.Cr("deep-cr"), "Synced") is { } c && JsonRead.String(c, "reason") == "InvalidSpec", "the deep CR is reported");

        var synced = Condition(session.Cr("deep-cr"), "Synced")!;
        JsonRead.String(synced, "message").Should().Contain("/spec/deployment/spec/template/spec/flinkConfiguration/x").And.Contain("64");
        JsonRead.String(Condition(session.Cr("deep-cr"), "Stalled"), "status").Should().Be("True");
        session.Vvp.Snapshot("default", "deep-cr").Should().BeNull("an invalid CR never reaches the platform");
        running.Controller.Health.IsAlive(TimeSpan.FromMinutes(1)).Should().BeTrue();
        running.Controller.Health.IsReady.Should().BeTrue();
        session.Cr("deep-cr")!["spec"]!.ToJsonString(new System.Text.Json.JsonSerializerOptions { MaxDepth = 10_000 }).Should().Be(
            created["spec"]!.ToJsonString(new System.Text.Json.JsonSerializerOptions { MaxDepth = 10_000 }), "the CR's spec was never written back cut");
        NoUnhandled(session);
    }

    [Fact]
    public async Task A_watch_that_goes_silent_is_given_up_after_its_timeout_and_a_margin_and_the_informer_lists_again()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Api.Faults.AnswerNext("watch", "vvpdeployments", (_, token) => Task.Delay(Timeout.Infinite, token));
        session.Start(Options());
        await OperatorSession.Eventually(() => session.Api.Calls.Any(c => c.Verb == "watch" && c.Resource == "vvpdeployments"), "the informer holds the silent watch");

        session.Apply("canary");
        await Canary(session, "canary");

        Warnings(session).Should().Contain(m => m.Contains("WatchSilent", StringComparison.Ordinal));
        NoUnhandled(session);
    }

    [Fact]
    public async Task A_watch_that_drips_a_byte_at_a_time_is_given_up_like_a_silent_one()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Api.Faults.AnswerNext("watch", "vvpdeployments", async (stream, token) =>
        {
            var drip = Encoding.UTF8.GetBytes("{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"");
            for (var i = 0; ; i = (i + 1) % drip.Length)
            {
                await stream.WriteAsync(drip.AsMemory(i, 1), token);
                await stream.FlushAsync(token);
                await Task.Delay(200, token);
            }
        });
        session.Start(Options());
        await OperatorSession.Eventually(() => session.Api.Calls.Any(c => c.Verb == "watch" && c.Resource == "vvpdeployments"), "the informer holds the dripping watch");

        session.Apply("canary");
        await Canary(session, "canary");

        Warnings(session).Should().Contain(m => m.Contains("WatchSilent", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Health_turns_red_when_an_informer_has_had_no_answer_for_longer_than_its_bound_and_green_again_after()
    {
        await using var session = await OperatorSession.StartAsync();
        var running = session.Start(Options(watchTimeout: TimeSpan.FromSeconds(1)));
        session.Apply("canary");
        await Canary(session, "canary");
        running.Controller.Health.IsAlive(TimeSpan.FromMinutes(1)).Should().BeTrue("the positive control");

        session.Api.Faults.FailNext("list", "vvpdeployments", 503, times: 10_000);
        session.Api.Faults.FailNext("watch", "vvpdeployments", 503, times: 10_000);
        session.Api.DropWatches();
        await OperatorSession.Eventually(() => running.Controller.Health.StaleInformer is not null, "the informer is stale", TimeSpan.FromSeconds(30));

        running.Controller.Health.IsAlive(TimeSpan.FromMinutes(1)).Should().BeFalse();
        running.Controller.Health.StaleInformer.Should().Contain("vvpdeployments in jobs");
        session.Api.Faults.Clear();
        await OperatorSession.Eventually(() => running.Controller.Health.IsAlive(TimeSpan.FromMinutes(1)), "it recovers without a restart", TimeSpan.FromSeconds(30));
        session.Apply("canary-after");
        await Canary(session, "canary-after");
    }

    public static TheoryData<string, string> MalformedEvents() => new()
    {
        { "a duplicate key", """{"type":"ADDED","object":{"apiVersion":"ververica.platform/v1","kind":"VvpDeployment","metadata":{"name":"x","name":"y","resourceVersion":"99999"}}}""" },
        { "an escaped lone surrogate", """{"type":"ADDED","object":{"apiVersion":"ververica.platform/v1","kind":"VvpDeployment","metadata":{"name":"\ud800","resourceVersion":"99999"}}}""" },
        { "not JSON", """{"type":"ADDED","object":{""" },
    };

    [Theory]
    [MemberData(nameof(MalformedEvents))]
    public async Task A_malformed_watch_event_is_logged_and_the_informer_lists_again_it_never_stops(string what, string line)
    {
        await using var session = await OperatorSession.StartAsync();
        var running = session.Start(Options());
        session.Apply("canary-before");
        await Canary(session, "canary-before");

        session.Api.Faults.AnswerNext("watch", "vvpdeployments", async (stream, token) =>
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), token);
            await Task.Delay(Timeout.Infinite, token);
        });
        session.Api.DropWatches();
        await OperatorSession.Eventually(() => Warnings(session).Any(m => m.Contains("WatchMalformed", StringComparison.Ordinal)), $"the event with {what} is reported");
        session.Apply("canary");
        await Canary(session, "canary");

        NoUnhandled(session);
        running.Controller.Health.IsAlive(TimeSpan.FromMinutes(1)).Should().BeTrue();
    }

    [Fact]
    public async Task A_list_item_that_cannot_be_read_is_left_out_and_the_rest_of_the_list_is_used()
    {
        await using var session = await OperatorSession.StartAsync();
        var canary = session.Apply("canary");
        var bad = """{"apiVersion":"ververica.platform/v1","kind":"VvpDeployment","metadata":{"name":"bad","name":"worse"}}""";
        session.Api.Faults.AnswerNext("list", "vvpdeployments",
            $$"""{"apiVersion":"ververica.platform/v1","kind":"VvpDeploymentList","metadata":{"resourceVersion":"{{session.Api.Revision}}"},"items":[{{canary.ToJsonString()}},{{bad}}]}""");
        session.Start(Options());

        await Canary(session, "canary");

        Warnings(session).Should().Contain(m => m.Contains("item 1 is left out", StringComparison.Ordinal) && m.Contains("appears twice", StringComparison.Ordinal));
        NoUnhandled(session);
    }

    [Fact]
    public async Task A_watch_event_larger_than_the_frame_limit_is_refused_before_it_is_read_whole()
    {
        await using var session = await OperatorSession.StartAsync();
        var running = session.Start(Options());
        session.Apply("canary-before");
        await Canary(session, "canary-before");
        long written = 0;
        session.Api.Faults.AnswerNext("watch", "vvpdeployments", async (stream, token) =>
        {
            var chunk = Encoding.UTF8.GetBytes(new string('a', 64 * 1024));
            await stream.WriteAsync(Encoding.UTF8.GetBytes("""{"type":"ADDED","object":{"x":" """), token);
            for (var i = 0; i < 1024; i++)
            {
                // 64 MiB in all, unless the reader goes away first.
                await stream.WriteAsync(chunk, token);
                Interlocked.Add(ref written, chunk.Length);
            }

            await Task.Delay(Timeout.Infinite, token);
        });
        session.Api.DropWatches();

        await OperatorSession.Eventually(() => Warnings(session).Any(m => m.Contains("FrameTooLarge", StringComparison.Ordinal)), "the frame is refused");
        session.Apply("canary");
        await Canary(session, "canary");

        Interlocked.Read(ref written).Should().BeGreaterThan(KubernetesApi.MaxFrameBytes, "the positive control: more than the limit was sent");
        running.Controller.Health.IsAlive(TimeSpan.FromMinutes(1)).Should().BeTrue();
    }

    [Fact]
    public async Task A_frame_over_the_limit_is_refused_having_read_at_most_the_limit_and_one_chunk()
    {
        using var stream = new EndlessStream((byte)'a');
        using var frames = new WatchFrames(stream);

        var act = async () => await frames.NextAsync(CancellationToken.None);

        await act.Should().ThrowAsync<InvalidDataException>();
        stream.BytesRead.Should().BeGreaterThan(KubernetesApi.MaxFrameBytes).And.BeLessThanOrEqualTo(KubernetesApi.MaxFrameBytes + (64 * 1024));
    }

    [Fact]
    public async Task Frames_are_the_lines_of_the_stream_empty_lines_skipped_a_last_line_without_its_end_kept()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("{\"a\":1}\n\n\r\n{\"b\":2}\r\n{\"c\":3}"));
        using var frames = new WatchFrames(stream);
        var lines = new List<string>();
        while (await frames.NextAsync(CancellationToken.None) is { } frame)
        {
            lines.Add(Encoding.UTF8.GetString(frame.Span).TrimEnd('\r'));
        }

        lines.Should().Equal("{\"a\":1}", "{\"b\":2}", "{\"c\":3}");
    }

    public static TheoryData<string, string> WrongLists() => new()
    {
        { "a SecretList", """{"apiVersion":"v1","kind":"SecretList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"ghost","namespace":"jobs"},"data":{"apikey":"TOKEN64"}}]}""" },
        { "a 200 Status", """{"apiVersion":"v1","kind":"Status","status":"Success","metadata":{}}""" },
        { "a list without a resourceVersion", """{"apiVersion":"ververica.platform/v1","kind":"VvpDeploymentList","metadata":{},"items":[{"metadata":{"name":"ghost"}}]}""" },
    };

    [Theory]
    [MemberData(nameof(WrongLists))]
    public async Task A_list_answer_that_is_not_the_list_asked_for_is_not_used(string what, string body)
    {
        const string token = "ghost-token-0123456789";
        await using var session = await OperatorSession.StartAsync();
        session.Apply("canary");
        session.Api.Faults.AnswerNext("list", "vvpdeployments", body.Replace("TOKEN64", Convert.ToBase64String(Encoding.UTF8.GetBytes(token)), StringComparison.Ordinal), times: 2);
        session.Start(Options());

        await Canary(session, "canary");

        session.Api.Calls.Should().NotContain(c => c.Name == "ghost", $"nothing of {what} was used");
        Warnings(session).Should().Contain(m => m.Contains("nothing of it is used", StringComparison.Ordinal));
        session.Logs.Entries.Should().NotContain(e => e.Message.Contains(token, StringComparison.Ordinal) || e.Message.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes(token)), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_long_list_is_read_page_by_page_as_one_consistent_list()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        using var client = Client(api);
        for (var i = 0; i < (2 * KubernetesApi.PageSize) + 1; i++)
        {
            api.Create(ApiResource.ConfigMaps, "jobs", new JsonObject { ["metadata"] = new JsonObject { ["name"] = $"cm-{i:D4}" } });
        }

        var revision = api.Revision.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var list = await new KubernetesApi(client, TimeSpan.FromSeconds(10)).ListAsync(ResourceType.ConfigMaps, "jobs", CancellationToken.None);

        list.Items.Select(i => JsonRead.String(i, "metadata", "name")).Should().OnlyHaveUniqueItems().And.HaveCount((2 * KubernetesApi.PageSize) + 1);
        list.ResourceVersion.Should().Be(revision);
        api.Calls.Count(c => c.Verb == "list").Should().Be(3);
    }

    [Fact]
    public async Task A_list_whose_continue_token_never_moves_is_refused_not_followed_forever()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        using var client = Client(api);
        api.Faults.AnswerNext("list", "configmaps", """{"apiVersion":"v1","kind":"ConfigMapList","metadata":{"resourceVersion":"5","continue":"again"},"items":[]}""", times: 3);

        var act = () => new KubernetesApi(client, TimeSpan.FromSeconds(10)).ListAsync(ResourceType.ConfigMaps, "jobs", CancellationToken.None);

        (await act.Should().ThrowAsync<KubernetesApiException>()).Which.Message.Should().Contain("does not end");
        api.Calls.Count(c => c.Verb == "list").Should().Be(2);
    }

    public static TheoryData<string, JsonObject> HostileLocks() => new()
    {
        { "no identity", new JsonObject { ["data"] = new JsonObject() } },
        { "a number", new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [LeaderAnnotation] = "42" } } } },
        { "control characters", new JsonObject { ["data"] = new JsonObject { ["identity"] = "evil\u001b[2J\r\n2026-12-06 INFO forged line" } } },
        { "1 MB", new JsonObject { ["data"] = new JsonObject { ["identity"] = new string('x', 1_000_000) } } },
    };

    [Theory]
    [MemberData(nameof(HostileLocks))]
    public async Task A_hostile_lock_record_refuses_the_start_with_one_clean_bounded_message(string what, JsonObject record)
    {
        await using var session = await OperatorSession.StartAsync();
        var configMap = (JsonObject)record.DeepClone();
        var metadata = configMap["metadata"] as JsonObject ?? [];
        metadata["name"] = "ververica-operator-leader-election";
        configMap["metadata"] = metadata;
        session.Api.Create(ApiResource.ConfigMaps, OperatorSession.Namespace, configMap);
        var running = session.Start(Options());

        var refusal = (await running.Run.Awaiting(r => r.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<NamespaceLockException>()).Which;

        refusal.Message.Should().NotContainAny("\u001b", "\r", "\n");
        refusal.Message.Length.Should().BeLessThan(1_000, what);
        running.Controller.Health.IsAlive(TimeSpan.FromMinutes(1)).Should().BeFalse();
    }

    [Fact]
    public async Task An_identity_refused_for_one_namespace_claims_none_of_the_others()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Api.Create(ApiResource.ConfigMaps, "taken", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "ververica-operator-leader-election" },
            ["data"] = new JsonObject { ["identity"] = "vvp-other" },
        });
        var running = session.Start(Options(configure: o =>
        {
            o.WatchedNamespaces.Clear();
            o.WatchedNamespaces.Add("free-a");
            o.WatchedNamespaces.Add("taken");
            o.WatchedNamespaces.Add("free-b");
        }));

        await running.Run.Awaiting(r => r.WaitAsync(TimeSpan.FromSeconds(30))).Should().ThrowAsync<NamespaceLockException>();

        session.Api.Calls.Should().Contain(c => c.Verb == "get" && c.Resource == "configmaps" && c.Namespace == "free-b", "the positive control: every namespace was looked at");
        session.Api.Get(ApiResource.ConfigMaps, "free-a", "ververica-operator-leader-election").Should().BeNull();
        session.Api.Get(ApiResource.ConfigMaps, "free-b", "ververica-operator-leader-election").Should().BeNull();
    }

    [Fact]
    public async Task A_Lease_with_values_out_of_range_neither_crashes_the_operator_nor_keeps_it_from_leading_forever()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Api.Create(ApiResource.Leases, OperatorSession.Namespace, Lease(durationSeconds: 1_000_000_000_000, transitions: 5, renewed: DateTime.UtcNow));
        var running = session.Start(Options());
        await OperatorSession.Eventually(() => session.Api.Calls.Count(c => c.Resource == "leases" && c.Verb == "get") >= 3, "the operator reads the Lease again and again");
        running.Run.IsCompleted.Should().BeFalse("a duration of 10^12 s is clamped, not an overflow");
        running.Controller.Health.IsLeading.Should().BeFalse("the other holder's lease has not lapsed");

        session.Api.Update(ApiResource.Leases, OperatorSession.Namespace, "vvp-operator-vvp-1", l =>
        {
            l["spec"]!["leaseDurationSeconds"] = 1;
            l["spec"]!["renewTime"] = "2020-01-01T00:00:00.000000Z";
            l["spec"]!["leaseTransitions"] = int.MaxValue;
        });
        await OperatorSession.Eventually(() => running.Controller.Health.IsLeading, "the lapsed lease is taken over");

        JsonRead.Int64(session.Api.Get(ApiResource.Leases, OperatorSession.Namespace, "vvp-operator-vvp-1"), "spec", "leaseTransitions").Should().Be(0, "the count wraps within int32, as the API requires");
        session.Apply("canary");
        await Canary(session, "canary");
    }

    [Fact]
    public async Task Text_from_outside_reaches_no_log_line_raw()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Api.Faults.AnswerNext("list", "vvpdeployments", """{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Evil\u001b[31m","message":"\u001b[2Jforged\r\n2026-12-06 INFO all is well","code":500}""", statusCode: 500);
        session.Apply("canary");
        session.Start(Options());

        await Canary(session, "canary");

        Warnings(session).Should().Contain(m => m.Contains("forged", StringComparison.Ordinal), "the positive control: the message was logged");
        session.Logs.Entries.Should().NotContain(e => e.Message.Contains('\u001b') || e.Message.Contains('\r') || e.Message.Contains("forged\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_CR_is_current_within_one_reconcile_of_the_operators_own_spec_write()
    {
        await using var session = await OperatorSession.StartAsync();
        for (var i = 0; i < 20; i++)
        {
            var cr = TestCrs.SeedDocument();
            cr["spec"]!["deployment"]!["userMetadata"]!["id"] = $"scrubbed-{i}";
            session.Apply($"cr-{i:D2}", cr);
        }

        session.Start(Options());

        await OperatorSession.Eventually(
            () => session.Api.List(ApiResource.VvpDeployments, OperatorSession.Namespace).All(cr =>
                JsonRead.Int64(cr, "metadata", "generation") == 2 && JsonRead.Int64(cr, "status", "observedGeneration") == 2),
            "every scrubbed CR's status is of its new generation (the resync is 10 minutes away)");
        foreach (var cr in session.Api.List(ApiResource.VvpDeployments, OperatorSession.Namespace))
        {
            cr["status"]!["conditions"]!.AsArray().Select(c => JsonRead.Int64(c, "observedGeneration")).Should().OnlyContain(g => g == 2);
        }
    }

    // A stream of one byte repeated without end, counting what was read of it.
    private sealed class EndlessStream(byte value) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Array.Fill(buffer, value, offset, count);
            BytesRead += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    // KubernetesClient reaching the stand-in through a kubeconfig, as the operator does.
    private static k8s.Kubernetes Client(KubernetesApiStandIn api)
    {
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vvp-paging-{Guid.NewGuid():N}.yaml");
        api.WriteKubeconfig(kubeconfig);
        try
        {
            return new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    private const string LeaderAnnotation = "control-plane.alpha.kubernetes.io/leader";

    private static VvpOperatorOptions Options(TimeSpan? watchTimeout = null, Action<VvpOperatorOptions>? configure = null) =>
        OperatorSession.Options(configure: o =>
        {
            o.WatchTimeout = watchTimeout ?? WatchTimeout;
            configure?.Invoke(o);
        });

    // The canary rule: a healthy CR is reconciled within twice the watch timeout.
    private static Task Canary(OperatorSession session, string name) =>
        OperatorSession.Eventually(() => JsonRead.String(Condition(session.Cr(name), "Synced"), "status") == "True", $"the canary {name} is reconciled", 2 * WatchTimeout);

    private static JsonObject? Condition(JsonObject? cr, string type) =>
        cr?["status"]?["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => JsonRead.String(c, "type") == type);

    private static List<string> Warnings(OperatorSession session) =>
        [.. session.Logs.Entries.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message)];

    private static void NoUnhandled(OperatorSession session) =>
        session.Logs.Entries.Should().NotContain(e => e.Message.Contains("stopped unexpectedly", StringComparison.Ordinal) || e.Message.Contains("failed unexpectedly", StringComparison.Ordinal));

    private static JsonObject Deep(string shape, int depth)
    {
        var cr = TestCrs.SeedDocument();
        JsonNode inner = "bottom";
        for (var i = 0; i < depth; i++)
        {
            inner = shape == "arrays" ? new JsonArray(inner) : new JsonObject { ["x"] = inner };
        }

        cr["spec"]!["deployment"]!["spec"]!["template"]!["spec"]!["flinkConfiguration"] = new JsonObject { ["x"] = inner };
        return cr;
    }

    private static JsonObject Lease(long durationSeconds, long transitions, DateTime renewed) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "vvp-operator-vvp-1" },
        ["spec"] = new JsonObject
        {
            ["holderIdentity"] = "other-pod",
            ["leaseDurationSeconds"] = durationSeconds,
            ["renewTime"] = renewed.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["leaseTransitions"] = transitions,
        },
    };
}
