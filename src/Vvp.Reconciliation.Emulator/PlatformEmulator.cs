using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Vvp.Reconciliation.Hosting;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Emulator;

/// <summary>
/// Serves the platform's deployment and savepoint endpoints over HTTP on 127.0.0.1, backed by an
/// <see cref="InMemoryPlatform"/>: its tokens, roles and injected faults answer as HTTP status codes, and
/// <see cref="Intercept"/> lets a test answer a request itself (a redirect, a huge body, a non-JSON error).
/// </summary>
public sealed class PlatformEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private PlatformEmulator(WebApplication app, InMemoryPlatform platform, Uri baseAddress)
    {
        _app = app;
        Platform = platform;
        BaseAddress = baseAddress;
    }

    /// <summary>The platform behind the endpoints.</summary>
    public InMemoryPlatform Platform { get; }

    /// <summary>The address to give the REST adapter, e.g. <c>http://127.0.0.1:54321/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>How many HTTP requests arrived.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Answers a request before the platform does when it returns true.</summary>
    public Func<HttpContext, Task<bool>>? Intercept { get; set; }

    /// <summary>The Authorization headers received, in order (tests check what a redirect forwarded).</summary>
    public List<(string Path, string? Authorization)> Received { get; } = [];

    /// <summary>
    /// Decides, after the platform has handled a request successfully, whether its answer is lost (the connection is
    /// dropped instead): the write happened, the client cannot know. For fault injection.
    /// </summary>
    public Func<HttpContext, bool>? LoseAnswer { get; set; }

    /// <summary>Every exchange served by the platform routes (not the intercepted ones): method, path, query, bodies and status, for contract tests.</summary>
    public List<EmulatorExchange> Exchanges { get; } = [];

    /// <summary>
    /// Whether requests are kept in <see cref="Received"/> and <see cref="Exchanges"/> (with copies of their bodies).
    /// Default true; false for long runs over large fleets, where only <see cref="Requests"/> is counted.
    /// </summary>
    public bool RecordExchanges { get; set; } = true;

    /// <summary>
    /// The platform version the emulator reports at <c>GET /api/v1/status/system-info</c> and behaves as: below 2.4
    /// deployments are addressed by id only, so a GET by name answers 404. Default <c>2.7.1</c>.
    /// </summary>
    public string Version { get; set; } = "2.7.1";

    /// <summary>Starts the emulator on 127.0.0.1.</summary>
    /// <param name="platform">The platform to serve; a new one when omitted.</param>
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running emulator.</returns>
    public static async Task<PlatformEmulator> StartAsync(InMemoryPlatform? platform = null, int port = 0, CancellationToken cancellationToken = default)
    {
        platform ??= new InMemoryPlatform();
        PlatformEmulator? emulator = null;
        var (app, address) = await LoopbackServer.StartAsync(port, context => emulator!.HandleAsync(context), cancellationToken).ConfigureAwait(false);
        emulator = new PlatformEmulator(app, platform, address);
        return emulator;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (RecordExchanges)
        {
            lock (Received)
            {
                Received.Add((context.Request.Path.Value ?? string.Empty, context.Request.Headers.Authorization.FirstOrDefault()));
            }
        }

        if (Intercept is { } intercept && await intercept(context).ConfigureAwait(false))
        {
            return;
        }

        var ct = context.RequestAborted;
        var segments = (context.Request.Path.Value ?? string.Empty).Trim('/').Split('/');
        if (RecordExchanges)
        {
            var exchange = new EmulatorExchange(context.Request.Method, context.Request.Path.Value ?? string.Empty, context.Request.QueryString.Value ?? string.Empty);
            lock (Exchanges)
            {
                Exchanges.Add(exchange);
            }

            context.Items[typeof(EmulatorExchange)] = exchange;
        }

        try
        {
            var token = BearerToken(context.Request);
            if (segments is ["api", "v1", "status", "system-info"] && context.Request.Method == "GET")
            {
                await Json(context, 200, SystemInformation()).ConfigureAwait(false);
                return;
            }

            // api/v1/namespaces/{ns}/deployments[/{name}] and api/v1/namespaces/{ns}/savepoints
            if (segments.Length < 5 || segments[0] != "api" || segments[1] != "v1" || segments[2] != "namespaces")
            {
                await Error(context, 404, $"No endpoint {context.Request.Path}.").ConfigureAwait(false);
                return;
            }

            var ns = Uri.UnescapeDataString(segments[3]);
            var method = context.Request.Method;
            if (segments.Length == 6 && segments[4] == "deployments" && !AddressesByName && !Guid.TryParse(Uri.UnescapeDataString(segments[5]), out _))
            {
                // Before 2.4 a deployment is addressed by its id only.
                await Error(context, 404, $"Deployment {segments[5]} not found.").ConfigureAwait(false);
                return;
            }

            switch (segments[4], segments.Length, method)
            {
                case ("deployments", 5, "GET"):
                    await Json(context, 200, List(await Platform.ListDeploymentsAsync(ns, token, ct).ConfigureAwait(false))).ConfigureAwait(false);
                    break;
                case ("deployments", 5, "POST"):
                    await Json(context, 201, await Platform.CreateDeploymentAsync(ns, await Body(context).ConfigureAwait(false), token, ct).ConfigureAwait(false)).ConfigureAwait(false);
                    break;
                case ("deployments", 6, "GET"):
                    var found = await Platform.GetDeploymentAsync(ns, Uri.UnescapeDataString(segments[5]), token, ct).ConfigureAwait(false);
                    if (found is null)
                    {
                        await Error(context, 404, $"Deployment {segments[5]} not found.").ConfigureAwait(false);
                    }
                    else
                    {
                        await Json(context, 200, found).ConfigureAwait(false);
                    }

                    break;
                case ("deployments", 6, "PATCH"):
                    await Json(context, 200, await Platform.PatchDeploymentAsync(ns, Uri.UnescapeDataString(segments[5]), await Body(context).ConfigureAwait(false), token, ct).ConfigureAwait(false)).ConfigureAwait(false);
                    break;
                case ("deployments", 6, "PUT"):
                    // applyDefaults is a query parameter since 2.6, true when absent.
                    var applyDefaults = !string.Equals(context.Request.Query["applyDefaults"].FirstOrDefault(), "false", StringComparison.OrdinalIgnoreCase);
                    await Json(context, 200, await Platform.ReplaceDeploymentAsync(ns, Uri.UnescapeDataString(segments[5]), await Body(context).ConfigureAwait(false), applyDefaults, token, ct).ConfigureAwait(false)).ConfigureAwait(false);
                    break;
                case ("deployments", 6, "DELETE"):
                    await Platform.DeleteDeploymentAsync(ns, Uri.UnescapeDataString(segments[5]), token, ct).ConfigureAwait(false);
                    context.Response.StatusCode = 204;
                    if (context.Items[typeof(EmulatorExchange)] is EmulatorExchange deleted)
                    {
                        deleted.Status = 204;
                    }

                    break;
                case ("savepoints", 5, "GET"):
                    var id = context.Request.Query["deploymentId"].FirstOrDefault() ?? string.Empty;
                    await Json(context, 200, List(await Platform.ListSavepointsAsync(ns, id, token, ct).ConfigureAwait(false))).ConfigureAwait(false);
                    break;
                case ("savepoints", 5, "POST"):
                    await Json(context, 201, await Platform.CreateSavepointAsync(ns, await Body(context).ConfigureAwait(false), token, ct).ConfigureAwait(false)).ConfigureAwait(false);
                    break;
                default:
                    await Error(context, 405, $"{method} is not served at {context.Request.Path}.").ConfigureAwait(false);
                    break;
            }
        }
        catch (PlatformException ex)
        {
            var code = ex.StatusCode ?? PlatformException.StatusOf(ex.Kind);
            if (ex.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await Error(context, code, ex.Message).ConfigureAwait(false);
        }
        catch (BadBodyException ex)
        {
            await Error(context, 400, ex.Message).ConfigureAwait(false);
        }
        catch (FormatException ex)
        {
            // A bearer token with control characters inside.
            await Error(context, 401, ex.Message).ConfigureAwait(false);
        }
    }

    private bool AddressesByName => System.Version.TryParse(Version, out var version) && version >= new System.Version(2, 4);

    private JsonObject SystemInformation() => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "SystemInformation",
        ["status"] = new JsonObject
        {
            ["revisionInformation"] = new JsonObject { ["buildVersion"] = Version, ["commitShaShort"] = "emulator" },
        },
    };

    private static ApiToken? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.FirstOrDefault();
        return header is not null && header.StartsWith("Bearer ", StringComparison.Ordinal) ? ApiToken.From(header["Bearer ".Length..]) : null;
    }

    private static async Task<JsonObject> Body(HttpContext context)
    {
        try
        {
            var body = await System.Text.Json.JsonSerializer.DeserializeAsync(context.Request.Body, EmulatorJsonContext.Default.JsonObject, context.RequestAborted).ConfigureAwait(false)
                ?? throw new BadBodyException("The body is empty.");
            if (context.Items[typeof(EmulatorExchange)] is EmulatorExchange exchange)
            {
                exchange.RequestBody = (JsonObject)body.DeepClone();
            }

            return body;
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new BadBodyException($"The body is not a JSON object: {ex.Message}");
        }
    }

    private static JsonObject List(IReadOnlyList<JsonObject> items) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "List",
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray([.. items.Select(i => (JsonNode)i)]),
    };

    private Task Json(HttpContext context, int status, JsonNode body)
    {
        var exchange = context.Items[typeof(EmulatorExchange)] as EmulatorExchange;
        if (exchange is not null)
        {
            exchange.Status = status;
            exchange.ResponseBody = body.DeepClone();
        }

        if (status is >= 200 and < 300 && LoseAnswer?.Invoke(context) == true)
        {
            // The platform did the work, and the answer is lost on the way: the connection drops.
            if (exchange is not null)
            {
                exchange.AnswerLost = true;
            }

            context.Abort();
            return Task.CompletedTask;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return WriteStreamedAsync(context.Response.BodyWriter, body, context.RequestAborted);
    }

    // The answer is sent as it is written, item by item for a list: a LIST of many deployments is never one string or one
    // buffer of its whole size.
    private static async Task WriteStreamedAsync(System.IO.Pipelines.PipeWriter pipe, JsonNode body, CancellationToken cancellationToken)
    {
        const int FlushAt = 16 * 1024;
        await using var writer = new System.Text.Json.Utf8JsonWriter(pipe);
        if (body is not JsonObject obj)
        {
            body.WriteTo(writer);
        }
        else
        {
            writer.WriteStartObject();
            foreach (var (name, value) in obj)
            {
                writer.WritePropertyName(name);
                if (value is not JsonArray array)
                {
                    WriteValue(writer, value);
                    continue;
                }

                writer.WriteStartArray();
                foreach (var item in array)
                {
                    WriteValue(writer, item);
                    if (writer.BytesPending >= FlushAt)
                    {
                        // Into the pipe, and the pipe onto the connection.
                        writer.Flush();
                        await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.Flush();
        await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);

        static void WriteValue(System.Text.Json.Utf8JsonWriter writer, JsonNode? value)
        {
            if (value is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                value.WriteTo(writer);
            }
        }
    }

    private Task Error(HttpContext context, int status, string message) =>
        Json(context, status, new JsonObject { ["message"] = message });

    private sealed class BadBodyException(string message) : Exception(message);
}

/// <summary>One request the emulator served and its answer.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The request path.</param>
/// <param name="Query">The query string, with its leading <c>?</c>, or empty.</param>
public sealed record EmulatorExchange(string Method, string Path, string Query)
{
    /// <summary>The request body, when there was one.</summary>
    public JsonObject? RequestBody { get; set; }

    /// <summary>The answer's status code.</summary>
    public int Status { get; set; }

    /// <summary>The answer's body, when there was one.</summary>
    public JsonNode? ResponseBody { get; set; }

    /// <summary>True when the platform handled the request but the answer was dropped (<see cref="PlatformEmulator.LoseAnswer"/>).</summary>
    public bool AnswerLost { get; set; }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class EmulatorJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
