using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Time.Testing;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Http;

/// <summary>
/// A misbehaving platform over a real socket: wrong-shape answers, echoed tokens, endless waits, old versions.
/// Every case ends as a failure with a reason, never an unhandled exception, never a hang.
/// </summary>
public sealed class HostilePlatformTests : IAsyncLifetime
{
    private const string Token = "hostile-token-0123456789abcdef0123456789abcdef";
    private EmulatorSession _session = null!;
    private PlatformEmulator _emulator = null!;
    private VvpPlatformHttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _session = await EmulatorSession.StartAsync();
        (_emulator, _client) = (_session.Emulator, _session.Client);
    }

    public async Task DisposeAsync() => await _session.DisposeAsync();

    // Answers the deployment routes with the given text; system-info is served as usual.
    private void AnswerDeployments(int status, string body, string contentType = "application/json") =>
        _emulator.Intercept = context => context.Request.Path.Value!.Contains("/deployments", StringComparison.Ordinal)
            ? EmulatorSession.Answer(context, status, body, contentType)
            : Task.FromResult(false);

    private static VvpDeploymentReconciler Reconciler(IPlatformClient platform, Action<ReconcilerOptions>? configure = null)
    {
        var options = new ReconcilerOptions { TransientRetries = 0, TransientRetryDelay = TimeSpan.Zero };
        options.WatchedNamespaces.Add("default");
        configure?.Invoke(options);
        return new VvpDeploymentReconciler(platform, options);
    }

    [Fact]
    public async Task A_non_JSON_401_that_echoes_the_token_is_masked_before_it_is_shortened_so_no_part_of_it_is_shown()
    {
        // The token starts at character 193: cutting at 200 first would leave its first seven characters.
        _emulator.Intercept = context => EmulatorSession.Answer(context, 401, new string('x', 170) + " Authorization: " + context.Request.Headers.Authorization, "text/plain");

        var error = (await FluentActions.Awaiting(() => _client.GetDeploymentAsync("default", "job", ApiToken.From(Token), default)).Should().ThrowAsync<PlatformException>()).Which;

        error.Message.Should().NotContain(Token[..6]).And.Contain("Bearer ***");
    }

    [Theory]
    [InlineData("[]", "an array")]
    [InlineData("\"hello\"", "a string")]
    [InlineData("42", "a number")]
    [InlineData("null", "null")]
    [InlineData("{\"kind\":\"Deployment\"}", "no metadata")]
    [InlineData("<html>oops</html>", "not JSON")]
    public async Task A_200_whose_body_is_not_a_deployment_is_a_protocol_error_not_a_crash(string body, string message)
    {
        AnswerDeployments(200, body);

        var error = (await FluentActions.Awaiting(() => _client.GetDeploymentAsync("default", "job", null, default)).Should().ThrowAsync<PlatformException>()).Which;

        error.Kind.Should().Be(PlatformErrorKind.Protocol);
        error.Message.Should().Contain(message);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("null")]
    public async Task A_reconcile_against_wrong_shape_answers_is_a_failure_result_and_creates_nothing(string body)
    {
        AnswerDeployments(200, body);

        var result = await Reconciler(_client).ReconcileAsync(TestCrs.Cr());

        result.Writes.Should().Be(0);
        result.Events.Should().Contain(e => e.Reason == "ProtocolError");
        result.RequeueAfter.Should().NotBeNull();
        _emulator.Exchanges.Should().NotContain(e => e.Method == "POST");
    }

    [Fact]
    public async Task A_POST_answered_with_another_deployments_name_is_a_protocol_error_and_nothing_is_recorded_as_synced()
    {
        _emulator.Intercept = context => context.Request.Method == "POST"
            ? EmulatorSession.Answer(context, 201, """{"metadata":{"name":"someone-else","namespace":"default","id":"00000000-0000-4000-8000-000000000099"},"spec":{},"status":{}}""")
            : Task.FromResult(false);

        var result = await Reconciler(_client).ReconcileAsync(TestCrs.Cr().WithGeneration(1));

        result.Events.Should().Contain(e => e.Reason == "ProtocolError" && e.Message.Contains("someone-else"));
        result.Status!["customResourceStatus"]!["lastSyncedGeneration"].Should().BeNull();
        result.Status["conditions"]![0]!["status"]!.GetValue<string>().Should().Be("False");
    }

    [Fact]
    public async Task A_POST_answered_in_another_namespace_is_a_protocol_error()
    {
        _emulator.Intercept = context => context.Request.Method == "POST"
            ? EmulatorSession.Answer(context, 201, """{"metadata":{"name":"test-cr","namespace":"elsewhere"},"spec":{},"status":{}}""")
            : Task.FromResult(false);

        var result = await Reconciler(_client).ReconcileAsync(TestCrs.Cr());

        result.Events.Should().Contain(e => e.Reason == "ProtocolError" && e.Message.Contains("elsewhere/test-cr"));
    }

    [Fact]
    public async Task A_connection_reset_in_the_middle_of_the_body_is_transient()
    {
        _emulator.Intercept = async context =>
        {
            if (!context.Request.Path.Value!.Contains("/deployments", StringComparison.Ordinal))
            {
                return false;
            }

            context.Response.StatusCode = 200;
            context.Response.ContentLength = 10_000;
            await context.Response.WriteAsync("{\"metadata\":{\"name\":");
            await context.Response.Body.FlushAsync();
            context.Abort();
            return true;
        };

        var error = (await FluentActions.Awaiting(() => _client.GetDeploymentAsync("default", "job", null, default)).Should().ThrowAsync<PlatformException>()).Which;

        error.Kind.Should().Be(PlatformErrorKind.Transient);
    }

    [Fact]
    public async Task A_Retry_After_beyond_the_cap_is_not_slept_it_becomes_the_requeue_hint()
    {
        _emulator.Intercept = context =>
        {
            if (!context.Request.Path.Value!.Contains("/deployments", StringComparison.Ordinal))
            {
                return Task.FromResult(false);
            }

            context.Response.Headers.RetryAfter = "100000";
            return EmulatorSession.Answer(context, 503, "{\"message\":\"busy\"}");
        };
        var reconciler = Reconciler(_client, o => o.TransientRetries = 3);

        var reconcile = reconciler.ReconcileAsync(TestCrs.Cr());
        var finished = await Task.WhenAny(reconcile, Task.Delay(TimeSpan.FromSeconds(20)));

        finished.Should().BeSameAs(reconcile, "a long Retry-After is never slept");
        var result = await reconcile;
        result.RequeueAfter.Should().Be(TimeSpan.FromMinutes(5), "the wait, within the longest requeue");
        _emulator.Exchanges.Count(e => e.Path.Contains("/deployments", StringComparison.Ordinal)).Should().Be(0, "intercepted answers are not served exchanges");
        _emulator.Received.Count(r => r.Path.Contains("/deployments", StringComparison.Ordinal)).Should().Be(1, "no retry waits 100,000 s");
    }

    [Fact]
    public async Task A_Retry_After_within_the_cap_is_waited_on_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        var calls = 0;
        _emulator.Intercept = context =>
        {
            if (!context.Request.Path.Value!.Contains("/deployments", StringComparison.Ordinal) || Interlocked.Increment(ref calls) > 1)
            {
                return Task.FromResult(false);
            }

            context.Response.Headers.RetryAfter = "30";
            return EmulatorSession.Answer(context, 503, "{\"message\":\"busy\"}");
        };
        var options = new ReconcilerOptions { TransientRetries = 1 };
        options.WatchedNamespaces.Add("default");
        var reconciler = new VvpDeploymentReconciler(_client, options, timeProvider: time);

        var reconcile = reconciler.ReconcileAsync(TestCrs.Cr());
        var giveUp = time.GetUtcNow().AddMinutes(2);
        while (!reconcile.IsCompleted && time.GetUtcNow() < giveUp)
        {
            await Task.Delay(20);
            time.Advance(TimeSpan.FromSeconds(5));
        }

        (await reconcile).Writes.Should().Be(2, "the create and its record, after the one wait");
    }

    [Fact]
    public async Task Through_dependency_injection_a_stalled_platform_is_ended_by_the_request_timeout_and_gives_a_failure_result()
    {
        _emulator.Intercept = async context =>
        {
            if (!context.Request.Path.Value!.Contains("/deployments", StringComparison.Ordinal))
            {
                return false;
            }

            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return true;
        };
        var services = new ServiceCollection();
        services.AddVvpPlatformClient(o =>
        {
            o.BaseAddress = _emulator.BaseAddress;
            o.RequestTimeout = TimeSpan.FromMilliseconds(300);
        });
        services.AddVvpReconciliation(o =>
        {
            o.WatchedNamespaces.Add("default");
            o.TransientRetries = 0;
        });
        await using var provider = services.BuildServiceProvider();

        var result = await provider.GetRequiredService<VvpDeploymentReconciler>().ReconcileAsync(TestCrs.Cr());

        result.Events.Should().Contain(e => e.Reason == "TransientFailure" && e.Message.Contains("timed out after 0.3 s"));
        result.RequeueAfter.Should().NotBeNull();
    }

    [Fact]
    public async Task Through_dependency_injection_the_circuit_breaker_opens_on_failing_answers_and_its_refusal_is_a_transient_failure()
    {
        var services = new ServiceCollection();
        services.AddVvpPlatformClient(o => o.BaseAddress = _emulator.BaseAddress);
        services.Configure<HttpCircuitBreakerStrategyOptions>(VvpPlatformClientServiceCollectionExtensions.CircuitBreakerOptionsName, o =>
        {
            // Five requests at least (the version read that succeeds, then four failures), half of them failed.
            o.MinimumThroughput = 5;
            o.FailureRatio = 0.5;
            o.BreakDuration = TimeSpan.FromMinutes(10);
        });
        services.AddVvpReconciliation(o =>
        {
            o.WatchedNamespaces.Add("default");
            o.TransientRetries = 0;
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IPlatformClient>();
        await ((VvpPlatformHttpClient)client).GetPlatformVersionAsync(null, default);
        _emulator.Platform.FailNext(PlatformOperation.GetDeployment, PlatformFault.Status(503), times: 100);
        var before = _emulator.Requests;

        for (var i = 0; i < 4; i++)
        {
            var failing = (await FluentActions.Awaiting(() => client.GetDeploymentAsync("default", "job", null, default)).Should().ThrowAsync<PlatformException>()).Which;
            failing.Message.Should().Contain("HTTP 503", "the platform's own answer, while the circuit is closed");
        }

        (_emulator.Requests - before).Should().Be(4, "every request reached the platform while the circuit was closed");
        var refused = (await FluentActions.Awaiting(() => client.GetDeploymentAsync("default", "job", null, default)).Should().ThrowAsync<PlatformException>()).Which;
        var result = await provider.GetRequiredService<VvpDeploymentReconciler>().ReconcileAsync(TestCrs.Cr());

        (_emulator.Requests - before).Should().Be(4, "the fourth failure opened the circuit: later calls never reached the platform");
        refused.Kind.Should().Be(PlatformErrorKind.Transient);
        refused.Message.Should().Contain("BrokenCircuitException");
        result.Events.Should().Contain(e => e.Reason == "TransientFailure" && e.Message.Contains("BrokenCircuitException"));
        result.RequeueAfter.Should().NotBeNull();
    }

    [Fact]
    public async Task A_whole_reconcile_has_a_deadline()
    {
        var platform = new StallingPlatform();
        var reconciler = Reconciler(platform, o => o.ReconcileTimeout = TimeSpan.FromMilliseconds(200));

        var result = await reconciler.ReconcileAsync(TestCrs.Cr());

        result.Events.Should().ContainSingle(e => e.Reason == "TransientFailure").Which.Message.Should().Contain("did not finish within 0.2 s");
        result.RequeueAfter.Should().NotBeNull();
    }

    [Theory]
    [InlineData("", "(no message)")]
    [InlineData("<html><body><h1>502 Bad Gateway</h1></body></html>", "502 Bad Gateway")]
    [InlineData("{\"error\":\"quota exceeded\"}", "quota exceeded")]
    [InlineData("{\"code\":7}", "{\"code\":7}")]
    public async Task Error_bodies_of_any_shape_give_a_clear_bounded_message(string body, string expected)
    {
        AnswerDeployments(400, body, body.StartsWith('{') ? "application/json" : "text/html");

        var error = (await FluentActions.Awaiting(() => _client.GetDeploymentAsync("default", "job", null, default)).Should().ThrowAsync<PlatformException>()).Which;

        error.Kind.Should().Be(PlatformErrorKind.Rejected);
        error.Message.Should().Contain(expected).And.StartWith("GET api/v1/namespaces/default/deployments/job: HTTP 400: ");
    }

    [Fact]
    public async Task Platform_text_is_cleaned_of_escape_sequences_and_a_100_KB_message_is_shortened()
    {
        AnswerDeployments(400, "{\"message\":\"\\u001b[2J\\u001b[31mred\\r\\nforged line " + new string('m', 100_000) + "\"}");

        var error = (await FluentActions.Awaiting(() => _client.GetDeploymentAsync("default", "job", null, default)).Should().ThrowAsync<PlatformException>()).Which;

        error.Message.Should().NotContain("\u001b").And.NotContain("\n").And.NotContain("\r").And.Contain("red forged line");
        error.Message.Length.Should().BeLessThan(400);
    }

    [Fact]
    public async Task A_platform_older_than_2_4_is_refused_with_a_message_naming_its_version_and_nothing_is_created()
    {
        _emulator.Version = "2.3.1";

        var result = await Reconciler(_client).ReconcileAsync(TestCrs.Cr());

        result.Events.Should().Contain(e => e.Reason == "UnsupportedPlatform" && e.Message.Contains("2.3.1") && e.Message.Contains("2.4"));
        _emulator.Platform.WriteCount.Should().Be(0);
        _emulator.Exchanges.Select(e => e.Path).Should().Equal("/api/v1/status/system-info");
    }

    [Fact]
    public async Task The_platform_version_is_read_once_per_client()
    {
        await _client.GetDeploymentAsync("default", "a", null, default);
        await _client.GetDeploymentAsync("default", "b", null, default);
        await _client.ListDeploymentsAsync("default", null, default);

        _emulator.Exchanges.Count(e => e.Path == "/api/v1/status/system-info").Should().Be(1);
        (await _client.GetPlatformVersionAsync(null, default)).Should().Be(new Version(2, 7, 1));
    }

    [Theory]
    [InlineData("2.7.1", "2.7.1")]
    [InlineData("2.10.0-rc1", "2.10.0")]
    [InlineData("v2", null)]
    [InlineData("", null)]
    public void Build_versions_are_read_by_their_leading_numbers(string build, string? expected)
    {
        VvpPlatformHttpClient.ParseVersion(build).Should().Be(expected is null ? null : Version.Parse(expected));
    }

    [Fact]
    public async Task The_emulator_of_an_older_version_answers_404_for_a_deployment_addressed_by_name()
    {
        await _emulator.Platform.CreateDeploymentAsync("default", (JsonObject)JsonNode.Parse("""{"metadata":{"name":"job"},"spec":{"deploymentTargetName":"t"}}""")!, null, default);
        _emulator.Version = "2.3.0";
        var (client, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = _emulator.BaseAddress, CheckPlatformVersion = false });
        using var _ = http;

        (await client.GetDeploymentAsync("default", "job", null, default)).Should().BeNull("that is why such a platform is refused");
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public async Task A_dot_segment_never_reaches_a_request_path(string ns)
    {
        await FluentActions.Awaiting(() => _client.GetDeploymentAsync(ns, "job", null, default)).Should().ThrowAsync<ArgumentException>();
        _emulator.Received.Should().BeEmpty();
    }

    /// <summary>A platform whose every call waits until it is cancelled.</summary>
    private sealed class StallingPlatform : IPlatformClient
    {
        public async Task<JsonObject?> GetDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return null;
        }

        public Task<IReadOnlyList<JsonObject>> ListDeploymentsAsync(string ns, ApiToken? token, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<JsonObject> CreateDeploymentAsync(string ns, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<JsonObject> PatchDeploymentAsync(string ns, string name, JsonObject patch, ApiToken? token, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<JsonObject> ReplaceDeploymentAsync(string ns, string name, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DeleteDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<JsonObject>> ListSavepointsAsync(string ns, string deploymentId, ApiToken? token, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<JsonObject> CreateSavepointAsync(string ns, JsonObject savepoint, ApiToken? token, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
