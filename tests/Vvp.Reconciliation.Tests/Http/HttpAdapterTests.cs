using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Http;

/// <summary>The REST adapter over a real socket on 127.0.0.1 against the platform emulator.</summary>
public sealed class HttpAdapterTests : IAsyncLifetime
{
    private const string Token = "http-token-5c1d";
    private EmulatorSession _session = null!;
    private PlatformEmulator _emulator = null!;
    private VvpPlatformHttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _session = await EmulatorSession.StartAsync();
        (_emulator, _client) = (_session.Emulator, _session.Client);
    }

    public async Task DisposeAsync() => await _session.DisposeAsync();

    private static JsonObject Deployment(string name = "job") => (JsonObject)JsonNode.Parse("""
        {"metadata":{"name":"NAME","displayName":"Job"},"spec":{"state":"CANCELLED","deploymentTargetName":"t"}}
        """.Replace("NAME", name, StringComparison.Ordinal))!;

    [Fact]
    public async Task Every_endpoint_works_over_the_socket()
    {
        var created = await _client.CreateDeploymentAsync("ns", Deployment(), null, default);
        var id = created["metadata"]!["id"]!.GetValue<string>();

        (await _client.GetDeploymentAsync("ns", "job", null, default))!["metadata"]!["id"]!.GetValue<string>().Should().Be(id);
        (await _client.GetDeploymentAsync("ns", "absent", null, default)).Should().BeNull("404 on GET means absent");
        (await _client.ListDeploymentsAsync("ns", null, default)).Should().ContainSingle();
        var patched = await _client.PatchDeploymentAsync("ns", "job", (JsonObject)JsonNode.Parse("""{"spec":{"maxJobCreationAttempts":4}}""")!, null, default);
        patched["spec"]!["maxJobCreationAttempts"]!.GetValue<int>().Should().Be(4);
        var replaced = await _client.ReplaceDeploymentAsync("ns", "job", Deployment(), null, default);
        replaced["spec"]!.AsObject().ContainsKey("maxJobCreationAttempts").Should().BeFalse();
        await _client.CreateSavepointAsync("ns", (JsonObject)JsonNode.Parse("""{"metadata":{"deploymentId":"ID"},"spec":{"savepointLocation":"s3://x"},"status":{"state":"COMPLETED"}}""".Replace("ID", id, StringComparison.Ordinal))!, null, default);
        (await _client.ListSavepointsAsync("ns", id, null, default)).Should().ContainSingle();
        await _client.DeleteDeploymentAsync("ns", "job", null, default);
        (await _client.GetDeploymentAsync("ns", "job", null, default)).Should().BeNull();
    }

    [Fact]
    public async Task The_token_goes_as_a_Bearer_header_on_every_call()
    {
        _emulator.Platform.AddToken(Token, PlatformRole.Editor);

        await _client.CreateDeploymentAsync("ns", Deployment(), ApiToken.From(Token), default);
        await _client.GetDeploymentAsync("ns", "job", ApiToken.From(Token), default);

        _emulator.Received.Should().OnlyContain(r => r.Authorization == "Bearer " + Token);
    }

    [Theory]
    [InlineData(400, PlatformErrorKind.Rejected)]
    [InlineData(401, PlatformErrorKind.Unauthenticated)]
    [InlineData(403, PlatformErrorKind.Forbidden)]
    [InlineData(404, PlatformErrorKind.NotFound)]
    [InlineData(409, PlatformErrorKind.Conflict)]
    [InlineData(429, PlatformErrorKind.Transient)]
    [InlineData(500, PlatformErrorKind.Transient)]
    [InlineData(502, PlatformErrorKind.Transient)]
    [InlineData(503, PlatformErrorKind.Transient)]
    [InlineData(405, PlatformErrorKind.Rejected)]
    public async Task Status_codes_map_to_failure_kinds_with_the_platforms_message(int code, PlatformErrorKind kind)
    {
        _emulator.Intercept = context => EmulatorSession.Answer(context, code, """{"message":"the platform explains"}""");

        var act = async () => await _client.PatchDeploymentAsync("ns", "job", new JsonObject(), null, default);

        var error = (await act.Should().ThrowAsync<PlatformException>()).Which;
        error.Kind.Should().Be(kind);
        error.StatusCode.Should().Be(code);
        error.Message.Should().Contain("the platform explains");
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("""{"items":"none"}""")]
    [InlineData("""{"kind":"Savepoint","metadata":{}}""")]
    public async Task A_list_answer_that_is_not_a_list_object_is_a_protocol_error_never_an_empty_list(string body)
    {
        _emulator.Intercept = context => context.Request.Path.Value!.EndsWith("/savepoints", StringComparison.Ordinal) ? EmulatorSession.Answer(context, 200, body) : Task.FromResult(false);

        var act = async () => await _client.ListSavepointsAsync("ns", "00000000-0000-0000-0000-000000000001", null, default);

        var error = (await act.Should().ThrowAsync<PlatformException>()).Which;
        error.Kind.Should().Be(PlatformErrorKind.Protocol);
        error.Message.Should().Contain("not a list");
    }

    public static readonly TheoryData<string> ListAnswers = new()
    {
        """{"kind":"DeploymentList","items":[ {"metadata":{"name":"a","id":"1"},"spec":{"x":[1,{"y":"\u00e9"}]}} ,{"metadata":{"name":"b"}}]}""",
        """{"items":[]}""",
        """{"kind":"DeploymentList","metadata":{}}""",
        """{"kind":"DeploymentList","items":null}""",
        "[]",
        "{}",
        "null",
        "\"text\"",
        "3",
        """{"items":"none"}""",
        """{"kind":"Deployment","metadata":{}}""",
        """{"items":[{"metadata":{"name":"a"}},3,"x"]}""",
        """{"items":[{"metadata":{"name":"a"}},null]}""",
        """{"items":[true]}""",
        """{"items":[]} {"items":[]}""",
        """{"items":[{"metadata":{}}""",
        """{"items":[{"metadata":{}}],}""",
        "   ",
        "{\"items\":[" + string.Concat(Enumerable.Repeat("[", 70)) + string.Concat(Enumerable.Repeat("]", 70)) + "]}",
        LargeList(150, ""),
        LargeList(150, " x"),
        LargeList(150, "").Replace("\"name\":\"item-77\"", "\"name\":\"item-77\"}", StringComparison.Ordinal),
    };

    // A list of some hundred KiB, read in several chunks, its items across the chunks' edges; then what follows it.
    private static string LargeList(int items, string after) =>
        "{\"kind\":\"DeploymentList\",\"items\":[" +
        string.Join(",", Enumerable.Range(0, items).Select(i => $"{{\"metadata\":{{\"name\":\"item-{i}\"}},\"spec\":{{\"note\":\"{new string((char)('a' + (i % 26)), 1000 + i)}\"}}}}")) +
        "]}" + after;

    [Theory]
    [MemberData(nameof(ListAnswers))]
    public async Task A_list_read_as_bytes_gives_each_item_or_refusal_the_tree_gives(string body)
    {
        _emulator.Intercept = context => context.Request.Path.Value!.EndsWith("/deployments", StringComparison.Ordinal) ? EmulatorSession.Answer(context, 200, body) : Task.FromResult(false);

        var trees = await Outcome(() => _client.ListDeploymentsAsync("ns", null, default));
        var bytes = await Outcome(() => _client.ListDeploymentsAsUtf8Async("ns", null, default));

        bytes.Error.Should().Be(trees.Error);
        if (trees.Error is null)
        {
            bytes.Items!.Select(b => JsonNode.Parse(b.Span)).Should().Equal(trees.Items!, (x, y) => JsonNode.DeepEquals(x, y));
        }

        static async Task<(string? Error, IReadOnlyList<T>? Items)> Outcome<T>(Func<Task<IReadOnlyList<T>>> list)
        {
            try
            {
                return (null, await list());
            }
            catch (PlatformException ex)
            {
                return ($"{ex.Kind}: {ex.Message}", null);
            }
        }
    }

    public static readonly TheoryData<string> DeploymentAnswers = new()
    {
        """{"metadata":{"name":"a","id":"1"},"spec":{"x":[1,{"y":"\u00e9"}]}}""",
        """{"metadata":{}}""",
        """{"spec":{}}""",
        """{"metadata":null}""",
        """{"metadata":[]}""",
        "[]",
        "null",
        "\"text\"",
        "3",
        "true",
        """{"metadata":{}} {}""",
        """{"metadata":{}""",
        """{"metadata":{},}""",
        "   ",
        "{\"metadata\":{},\"spec\":" + string.Concat(Enumerable.Repeat("[", 70)) + string.Concat(Enumerable.Repeat("]", 70)) + "}",
        LargeList(150, "")[..^2].Replace("{\"kind\":\"DeploymentList\",\"items\":[", "{\"metadata\":{},\"spec\":[", StringComparison.Ordinal) + "]}",
    };

    [Theory]
    [MemberData(nameof(DeploymentAnswers))]
    public async Task A_deployment_read_as_bytes_gives_the_deployment_or_refusal_the_tree_gives(string body)
    {
        _emulator.Intercept = context => context.Request.Path.Value!.EndsWith("/deployments/one", StringComparison.Ordinal) ? EmulatorSession.Answer(context, 200, body) : Task.FromResult(false);

        var tree = await Outcome(async () => (JsonNode?)await _client.GetDeploymentAsync("ns", "one", null, default));
        var bytes = await Outcome(async () => await _client.GetDeploymentAsUtf8Async("ns", "one", null, default) is { } read ? JsonNode.Parse(read.Span) : null);

        bytes.Error.Should().Be(tree.Error);
        JsonNode.DeepEquals(bytes.Deployment, tree.Deployment).Should().BeTrue();
        (tree.Error is null).Should().Be(tree.Deployment is not null, "an answer is a deployment or a refusal");

        static async Task<(string? Error, JsonNode? Deployment)> Outcome(Func<Task<JsonNode?>> read)
        {
            try
            {
                return (null, await read());
            }
            catch (PlatformException ex)
            {
                return ($"{ex.Kind}: {ex.Message}", null);
            }
        }
    }

    [Fact]
    public async Task A_deployment_read_as_bytes_is_null_when_there_is_none_and_the_port_s_default_serialises_the_tree()
    {
        await _client.CreateDeploymentAsync("ns", Deployment("one"), null, default);

        var overHttp = await _client.GetDeploymentAsUtf8Async("ns", "one", null, default);
        var byDefault = await ((IPlatformClient)_emulator.Platform).GetDeploymentAsUtf8Async("ns", "one", null, default);

        JsonNode.Parse(overHttp!.Value.Span)!["metadata"]!["name"]!.GetValue<string>().Should().Be("one");
        JsonNode.DeepEquals(JsonNode.Parse(byDefault!.Value.Span), await _emulator.Platform.GetDeploymentAsync("ns", "one", null, default)).Should().BeTrue();
        (await _client.GetDeploymentAsUtf8Async("ns", "none", null, default)).Should().BeNull();
        (await ((IPlatformClient)_emulator.Platform).GetDeploymentAsUtf8Async("ns", "none", null, default)).Should().BeNull();
    }

    [Fact]
    public async Task A_list_s_items_are_handed_out_as_bytes_without_a_tree_and_the_port_s_default_serialises_the_trees()
    {
        await _client.CreateDeploymentAsync("ns", Deployment("one"), null, default);
        await _client.CreateDeploymentAsync("ns", Deployment("two"), null, default);

        var overHttp = await _client.ListDeploymentsAsUtf8Async("ns", null, default);
        var byDefault = await ((IPlatformClient)_emulator.Platform).ListDeploymentsAsUtf8Async("ns", null, default);

        overHttp.Select(b => JsonNode.Parse(b.Span)!["metadata"]!["name"]!.GetValue<string>()).Should().Equal("one", "two");
        byDefault.Select(b => JsonNode.Parse(b.Span)).Should().Equal(await _emulator.Platform.ListDeploymentsAsync("ns", null, default), (x, y) => JsonNode.DeepEquals(x, y));
    }

    [Fact]
    public async Task An_empty_list_of_the_platform_s_shape_is_empty()
    {
        _emulator.Intercept = context => context.Request.Path.Value!.EndsWith("/savepoints", StringComparison.Ordinal) ? EmulatorSession.Answer(context, 200, """{"kind":"SavepointList","apiVersion":"v1","metadata":{}}""") : Task.FromResult(false);

        (await _client.ListSavepointsAsync("ns", "00000000-0000-0000-0000-000000000001", null, default)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_non_JSON_error_body_becomes_a_short_excerpt()
    {
        _emulator.Intercept = context => EmulatorSession.Answer(context, 400, "<html>" + new string('x', 5000) + "</html>", "text/html");

        var act = async () => await _client.CreateDeploymentAsync("ns", Deployment(), null, default);

        var error = (await act.Should().ThrowAsync<PlatformException>()).Which;
        error.Kind.Should().Be(PlatformErrorKind.Rejected);
        error.Message.Length.Should().BeLessThan(400);
        error.Message.Should().Contain("<html>xxx");
    }

    [Fact]
    public async Task An_error_body_that_echoes_the_token_does_not_carry_it_into_the_message()
    {
        _emulator.Intercept = context => EmulatorSession.Answer(context, 401, "{\"message\":\"bad credentials: " + context.Request.Headers.Authorization + "\"}");

        var act = async () => await _client.GetDeploymentAsync("ns", "job", ApiToken.From(Token), default);

        var error = (await act.Should().ThrowAsync<PlatformException>()).Which;
        error.Message.Should().Contain("bad credentials: Bearer ***").And.NotContain(Token);
    }

    [Fact]
    public async Task Retry_After_is_read()
    {
        _emulator.Platform.FailNext(PlatformOperation.GetDeployment, PlatformFault.Status(429, "slow down", TimeSpan.FromSeconds(7)));

        var act = async () => await _client.GetDeploymentAsync("ns", "job", null, default);

        (await act.Should().ThrowAsync<PlatformException>()).Which.RetryAfter.Should().Be(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task Through_dependency_injection_requestTimeout_governs_each_attempt_not_the_handlers_own_default()
    {
        // The standard handler's own attempt timeout is 10 s; an answer after 10.5 s is within requestTimeout (12 s).
        _emulator.Intercept = async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10.5), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return false;
        };
        var services = new ServiceCollection();
        services.AddVvpPlatformClient(o =>
        {
            o.BaseAddress = _emulator.BaseAddress;
            o.RequestTimeout = TimeSpan.FromSeconds(12);
            o.CheckPlatformVersion = false;
        });
        await using var provider = services.BuildServiceProvider();

        var answer = await provider.GetRequiredService<IPlatformClient>().GetDeploymentAsync("ns", "job", null, default);

        answer.Should().BeNull("the platform answered 404 within requestTimeout, after the handler's default would have given up");
    }

    [Fact]
    public async Task A_time_out_is_transient()
    {
        var (client, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = _emulator.BaseAddress, RequestTimeout = TimeSpan.FromMilliseconds(200) });
        using var _ = http;
        _emulator.Intercept = async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return true;
        };

        var act = async () => await client.GetDeploymentAsync("ns", "job", null, default);

        (await act.Should().ThrowAsync<PlatformException>()).Which.Kind.Should().Be(PlatformErrorKind.Transient);
    }

    [Fact]
    public async Task A_connection_failure_is_transient()
    {
        var closed = new Uri($"http://127.0.0.1:{FreePort()}/");
        var (client, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = closed });
        using var _ = http;

        var act = async () => await client.GetDeploymentAsync("ns", "job", null, default);

        (await act.Should().ThrowAsync<PlatformException>()).Which.Kind.Should().Be(PlatformErrorKind.Transient);
    }

    [Fact]
    public async Task Response_bodies_are_size_limited()
    {
        var (client, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = _emulator.BaseAddress, MaxResponseBytes = 64 * 1024 });
        using var _ = http;
        _emulator.Intercept = context => EmulatorSession.Answer(context, 200, "{\"x\":\"" + new string('a', 200_000) + "\"}");

        var act = async () => await client.GetDeploymentAsync("ns", "job", null, default);

        (await act.Should().ThrowAsync<PlatformException>()).Which.Message.Should().Contain("larger than 65536 bytes");
    }

    [Fact]
    public async Task A_same_origin_redirect_keeps_the_token()
    {
        _emulator.Platform.AddToken(Token, PlatformRole.Editor);
        await _emulator.Platform.CreateDeploymentAsync("ns", Deployment(), ApiToken.From(Token), default);
        _emulator.Intercept = context =>
        {
            if (context.Request.Path.Value!.EndsWith("/old-name", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 307;
                context.Response.Headers.Location = new Uri(_emulator.BaseAddress, "api/v1/namespaces/ns/deployments/job").ToString();
                return Task.FromResult(true);
            }

            return Task.FromResult(false);
        };

        var found = await _client.GetDeploymentAsync("ns", "old-name", ApiToken.From(Token), default);

        found.Should().NotBeNull();
        _emulator.Received.Where(r => r.Path.Contains("/deployments/", StringComparison.Ordinal)).Select(r => r.Authorization).Should().Equal("Bearer " + Token, "Bearer " + Token);
    }

    [Fact]
    public async Task The_token_is_never_forwarded_on_a_redirect_to_another_origin()
    {
        await using var other = await PlatformEmulator.StartAsync();
        _emulator.Intercept = context =>
        {
            if (!context.Request.Path.Value!.Contains("/deployments/", StringComparison.Ordinal))
            {
                return Task.FromResult(false);
            }

            context.Response.StatusCode = 302;
            context.Response.Headers.Location = new Uri(other.BaseAddress, "api/v1/namespaces/ns/deployments/job").ToString();
            return Task.FromResult(true);
        };

        (await _client.GetDeploymentAsync("ns", "job", ApiToken.From(Token), default)).Should().BeNull();

        other.Received.Should().ContainSingle().Which.Authorization.Should().BeNull();
        _emulator.Received.Single(r => r.Path.Contains("/deployments/", StringComparison.Ordinal)).Authorization.Should().Be("Bearer " + Token);
    }

    [Fact]
    public async Task A_redirect_to_plain_http_elsewhere_is_refused()
    {
        _emulator.Intercept = context =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = "http://platform.invalid/api/v1/namespaces/ns/deployments/job";
            return Task.FromResult(true);
        };

        var act = async () => await _client.GetDeploymentAsync("ns", "job", ApiToken.From(Token), default);

        (await act.Should().ThrowAsync<PlatformException>()).Which.Message.Should().Contain("not HTTPS");
    }

    [Theory]
    [InlineData("https://vvp.example.com/", false, true)]
    [InlineData("http://127.0.0.1:8080/", false, true)]
    [InlineData("http://localhost:8080/", false, true)]
    [InlineData("http://vvp.example.com/", false, false)]
    [InlineData("http://vvp.example.com/", true, true)]
    public void Https_is_required_unless_loopback_or_allowed(string address, bool allowInsecure, bool accepted)
    {
        var options = new VvpPlatformClientOptions { BaseAddress = new Uri(address), AllowInsecureHttp = allowInsecure };

        if (accepted)
        {
            options.Invoking(o => o.Validate()).Should().NotThrow();
        }
        else
        {
            options.Invoking(o => o.Validate()).Should().Throw<ArgumentException>().WithMessage("*not HTTPS*");
        }
    }

    [Fact]
    public async Task A_reconcile_over_http_creates_then_costs_one_GET_and_no_write()
    {
        var options = new ReconcilerOptions();
        options.WatchedNamespaces.Add("jobs");
        var reconciler = new VvpDeploymentReconciler(_client, options);
        var cr = FakeHost.Cr0();

        var created = await reconciler.ReconcileAsync(cr);
        cr = cr.WithStatus(created.Status);
        _emulator.Platform.ClearCalls();
        var before = _emulator.Requests;
        var again = await reconciler.ReconcileAsync(cr);

        created.Writes.Should().Be(1);
        again.Writes.Should().Be(0);
        (_emulator.Requests - before).Should().Be(1);
        _emulator.Platform.Calls.Should().ContainSingle().Which.Operation.Should().Be(PlatformOperation.GetDeployment);
    }

    [Fact]
    public async Task AddVvpPlatformClient_registers_the_adapter_with_resilience_and_the_reconciler_owns_the_one_retry_policy()
    {
        var services = new ServiceCollection();
        services.AddVvpPlatformClient(o => o.BaseAddress = _emulator.BaseAddress);
        services.AddVvpReconciliation(o =>
        {
            o.WatchedNamespaces.Add("default");
            o.TransientRetries = 2;
            o.TransientRetryDelay = TimeSpan.FromMilliseconds(5);
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IPlatformClient>();
        client.Should().BeOfType<VvpPlatformHttpClient>();
        await ((VvpPlatformHttpClient)client).GetPlatformVersionAsync(null, default);
        _emulator.Platform.FailNext(PlatformOperation.GetDeployment, PlatformFault.Status(503), times: 2);

        var handlerAlone = async () => await client.GetDeploymentAsync("default", "test-cr", null, default);
        (await handlerAlone.Should().ThrowAsync<PlatformException>()).Which.Kind.Should().Be(PlatformErrorKind.Transient, "the handler does not retry");
        var result = await provider.GetRequiredService<VvpDeploymentReconciler>().ReconcileAsync(TestCrs.Cr());

        result.Writes.Should().BeGreaterThan(0, "the reconciler retried the read that failed once more");
        _emulator.Exchanges.Count(e => e.Method == "GET" && e.Path == "/api/v1/namespaces/default/deployments/test-cr").Should().Be(3, "one failed read alone, one failed and one retried by the reconciler: no attempt multiplied");
    }

    [Fact]
    public async Task The_http_client_logs_never_show_the_token_even_at_trace_level()
    {
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace));
        services.AddVvpPlatformClient(o => o.BaseAddress = _emulator.BaseAddress);
        await using var provider = services.BuildServiceProvider();
        _emulator.Platform.AddToken(Token, PlatformRole.Editor);
        var client = provider.GetRequiredService<IPlatformClient>();

        await client.CreateDeploymentAsync("ns", Deployment(), ApiToken.From(Token), default);
        _emulator.Platform.FailNext(PlatformOperation.PatchDeployment, PlatformFault.Status(401, "bad token"));
        var failing = async () => await client.PatchDeploymentAsync("ns", "job", new JsonObject(), ApiToken.From(Token), default);
        var error = (await failing.Should().ThrowAsync<PlatformException>()).Which;

        logs.Entries.Should().NotBeEmpty();
        logs.Entries.Should().OnlyContain(e => !e.Contains(Token, StringComparison.Ordinal));
        error.ToString().Should().NotContain(Token);
    }

    [Fact]
    public async Task Post_and_patch_are_not_retried_by_the_resilience_handler()
    {
        var services = new ServiceCollection();
        services.AddVvpPlatformClient(o => o.BaseAddress = _emulator.BaseAddress);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IPlatformClient>();
        _emulator.Platform.FailNext(PlatformOperation.CreateDeployment, PlatformFault.Status(503));

        var act = async () => await client.CreateDeploymentAsync("ns", Deployment(), null, default);

        await act.Should().ThrowAsync<PlatformException>();
        _emulator.Platform.Calls.Count(c => c.Operation == PlatformOperation.CreateDeployment).Should().Be(1);
    }

    [Fact]
    public void An_address_that_is_not_https_is_refused_at_start()
    {
        var services = new ServiceCollection();
        services.AddVvpPlatformClient(o => o.BaseAddress = new Uri("http://vvp.example.com/"));
        using var provider = services.BuildServiceProvider();

        var act = () => provider.GetRequiredService<IOptions<VvpPlatformClientOptions>>().Value;

        act.Should().Throw<OptionsValidationException>().WithMessage("*HTTPS*");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

internal sealed class CapturingLoggerProvider : Microsoft.Extensions.Logging.ILoggerProvider
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Entries { get; } = new();

    public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : Microsoft.Extensions.Logging.ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            owner.Entries.Enqueue($"{category} scope {state}");
            return null;
        }

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            owner.Entries.Enqueue($"{category} {logLevel} {formatter(state, exception)} | {values} | {exception}");
        }
    }
}
