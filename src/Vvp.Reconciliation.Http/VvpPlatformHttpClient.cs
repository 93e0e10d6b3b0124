using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Http;

/// <summary>
/// <see cref="IPlatformClient"/> over Ververica Platform's Application Manager REST API
/// (<c>/api/v1/namespaces/{ns}/deployments</c>, <c>…/savepoints</c>). Each call sends the token it is given as
/// <c>Authorization: Bearer</c>; PATCH goes as <c>application/json</c> with the planner's minimal body.
/// Answers map to <see cref="PlatformException"/> kinds: 400 Rejected (with the body's <c>message</c>),
/// 401, 403, 404 (absent on GET, NotFound on writes), 409 Conflict, 429/5xx/time-outs/connection failures Transient.
/// </summary>
public sealed class VvpPlatformHttpClient : IPlatformClient
{
    private const int ExcerptLength = 200;
    private readonly Func<HttpClient> _http;
    private readonly VvpPlatformClientOptions _options;
    private Task<Version?>? _platformVersion;

    /// <summary>Creates the adapter over <paramref name="http"/>.</summary>
    /// <param name="http">The client; its primary handler must not follow redirects (see <see cref="SameOriginRedirectHandler"/>).</param>
    /// <param name="options">The options; <see cref="VvpPlatformClientOptions.BaseAddress"/> falls back to the client's.</param>
    /// <exception cref="ArgumentException">The options are invalid (no address, or plain HTTP not allowed).</exception>
    public VvpPlatformHttpClient(HttpClient http, VvpPlatformClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        options.BaseAddress ??= http.BaseAddress;
        options.Validate();
        _http = () => http;
        _options = options;
    }

    /// <summary>
    /// Creates the adapter over clients made per request by <paramref name="http"/> (an <see cref="IHttpClientFactory"/>'s
    /// <c>CreateClient</c>, say), so that a long-lived adapter still sees handlers rotate.
    /// </summary>
    /// <param name="http">Makes the client for one request; its primary handler must not follow redirects.</param>
    /// <param name="options">The options; <see cref="VvpPlatformClientOptions.BaseAddress"/> is required.</param>
    /// <exception cref="ArgumentException">The options are invalid (no address, or plain HTTP not allowed).</exception>
    public VvpPlatformHttpClient(Func<HttpClient> http, VvpPlatformClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _http = http;
        _options = options;
    }

    /// <summary>
    /// Makes an adapter with its own handler chain (redirects kept to the origin, no automatic redirects),
    /// for programs without dependency injection, such as the command-line tool.
    /// </summary>
    /// <param name="options">The options.</param>
    /// <returns>The adapter and the client to dispose with it.</returns>
    public static (VvpPlatformHttpClient Client, HttpClient Http) Create(VvpPlatformClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
#pragma warning disable CA2000 // The handlers are owned by the HttpClient returned to the caller.
        var handler = new SameOriginRedirectHandler(options) { InnerHandler = PlatformTrust.CreateHandler(options) };
#pragma warning restore CA2000
        var http = new HttpClient(handler) { BaseAddress = options.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        return (new VvpPlatformHttpClient(http, options), http);
    }

    /// <inheritdoc />
    public async Task<JsonObject?> GetDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken)
    {
        var path = DeploymentPath(ns, name);
        var answer = await SendAsync(HttpMethod.Get, path, null, token, absentIsNull: true, cancellationToken).ConfigureAwait(false);
        return answer is null ? null : ResourceAnswer(answer, HttpMethod.Get, path);
    }

    /// <inheritdoc />
    /// <remarks>The answer is checked as <see cref="GetDeploymentAsync"/> checks it, without a tree, and handed out as the bytes it came in.</remarks>
    public async Task<ReadOnlyMemory<byte>?> GetDeploymentAsUtf8Async(string ns, string name, ApiToken? token, CancellationToken cancellationToken)
    {
        var path = DeploymentPath(ns, name);
        var answer = await SendAsync(HttpMethod.Get, path, null, token, absentIsNull: true, cancellationToken).ConfigureAwait(false);
        return answer is { } body ? ResourceAnswerAsUtf8(body, HttpMethod.Get, path) : (ReadOnlyMemory<byte>?)null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JsonObject>> ListDeploymentsAsync(string ns, ApiToken? token, CancellationToken cancellationToken)
    {
        var path = DeploymentsPath(ns);
        return Items(await SendAsync(HttpMethod.Get, path, null, token, absentIsNull: false, cancellationToken).ConfigureAwait(false), HttpMethod.Get, path);
    }

    /// <inheritdoc />
    /// <remarks>The answer is read as bytes and each item handed out as its slice of them: the list is never a tree.</remarks>
    public async Task<IReadOnlyList<ReadOnlyMemory<byte>>> ListDeploymentsAsUtf8Async(string ns, ApiToken? token, CancellationToken cancellationToken)
    {
        var path = DeploymentsPath(ns);
        return ItemsAsUtf8(await SendAsync(HttpMethod.Get, path, null, token, absentIsNull: false, cancellationToken).ConfigureAwait(false), HttpMethod.Get, path);
    }

    /// <inheritdoc />
    public async Task<JsonObject> CreateDeploymentAsync(string ns, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken)
    {
        var path = DeploymentsPath(ns);
        return ResourceAnswer(await SendAsync(HttpMethod.Post, path, deployment, token, absentIsNull: false, cancellationToken).ConfigureAwait(false), HttpMethod.Post, path);
    }

    /// <inheritdoc />
    public async Task<JsonObject> PatchDeploymentAsync(string ns, string name, JsonObject patch, ApiToken? token, CancellationToken cancellationToken)
    {
        var path = DeploymentPath(ns, name);
        var answer = await SendAsync(HttpMethod.Patch, path, patch, token, absentIsNull: false, cancellationToken).ConfigureAwait(false);

        // 204 answers carry no body: the deployment is read back.
        return !IsBlank(answer)
            ? ResourceAnswer(answer, HttpMethod.Patch, path)
            : await GetDeploymentAsync(ns, name, token, cancellationToken).ConfigureAwait(false)
              ?? throw new PlatformException(PlatformErrorKind.NotFound, $"Deployment {ns}/{name} is gone after the patch.", 404);
    }

    /// <inheritdoc />
    public async Task<JsonObject> ReplaceDeploymentAsync(string ns, string name, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken)
    {
        var path = DeploymentPath(ns, name);
        return ResourceAnswer(await SendAsync(HttpMethod.Put, path, deployment, token, absentIsNull: false, cancellationToken).ConfigureAwait(false), HttpMethod.Put, path);
    }

    /// <inheritdoc />
    public Task DeleteDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, DeploymentPath(ns, name), null, token, absentIsNull: false, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<JsonObject>> ListSavepointsAsync(string ns, string deploymentId, ApiToken? token, CancellationToken cancellationToken)
    {
        var path = $"{SavepointsPath(ns)}?deploymentId={Uri.EscapeDataString(deploymentId)}";
        return Items(await SendAsync(HttpMethod.Get, path, null, token, absentIsNull: false, cancellationToken).ConfigureAwait(false), HttpMethod.Get, path);
    }

    /// <inheritdoc />
    public async Task<JsonObject> CreateSavepointAsync(string ns, JsonObject savepoint, ApiToken? token, CancellationToken cancellationToken)
    {
        var path = SavepointsPath(ns);
        return ResourceAnswer(await SendAsync(HttpMethod.Post, path, savepoint, token, absentIsNull: false, cancellationToken).ConfigureAwait(false), HttpMethod.Post, path);
    }

    /// <summary>The paths the adapter uses, relative to the base address (for the contract test).</summary>
    internal static IReadOnlyList<(string Method, string Path)> Endpoints { get; } =
    [
        ("GET", "/api/v1/namespaces/{ns}/deployments"),
        ("POST", "/api/v1/namespaces/{ns}/deployments"),
        ("GET", "/api/v1/namespaces/{ns}/deployments/{name}"),
        ("PUT", "/api/v1/namespaces/{ns}/deployments/{name}"),
        ("PATCH", "/api/v1/namespaces/{ns}/deployments/{name}"),
        ("DELETE", "/api/v1/namespaces/{ns}/deployments/{name}"),
        ("GET", "/api/v1/namespaces/{ns}/savepoints"),
        ("POST", "/api/v1/namespaces/{ns}/savepoints"),
    ];

    private static string DeploymentsPath(string ns) => $"api/v1/namespaces/{Segment(ns, "namespace")}/deployments";

    private static string DeploymentPath(string ns, string name) => $"{DeploymentsPath(ns)}/{Segment(name, "deployment name")}";

    private static string SavepointsPath(string ns) => $"api/v1/namespaces/{Segment(ns, "namespace")}/savepoints";

    // Defence in depth behind validation: "." and ".." would walk the path, and escaping keeps '/', '%' and
    // control characters inside one segment.
    private static string Segment(string value, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        return value is "." or ".."
            ? throw new ArgumentException($"'{value}' is not a valid {what}: it would change the request path.", nameof(value))
            : Uri.EscapeDataString(value);
    }

    /// <summary>
    /// The platform's version as <c>GET /api/v1/status/system-info</c> reports it (<c>status.revisionInformation.buildVersion</c>),
    /// read once and kept; <see langword="null"/> when the platform does not say.
    /// </summary>
    /// <param name="token">The API token.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The version, or <see langword="null"/>.</returns>
    /// <exception cref="PlatformException">The platform could not be asked (a failure is not kept: the next call asks again).</exception>
    public Task<Version?> GetPlatformVersionAsync(ApiToken? token, CancellationToken cancellationToken)
    {
        var known = Volatile.Read(ref _platformVersion);
        if (known is { IsCompletedSuccessfully: true })
        {
            return known;
        }

        var asked = ReadPlatformVersionAsync(token, cancellationToken);
        Interlocked.Exchange(ref _platformVersion, asked);
        return asked;
    }

    private async Task<Version?> ReadPlatformVersionAsync(ApiToken? token, CancellationToken cancellationToken)
    {
        const string Path = "api/v1/status/system-info";
        var text = await SendAsync(HttpMethod.Get, Path, null, token, absentIsNull: true, cancellationToken, checkVersion: false).ConfigureAwait(false);
        if (text is null)
        {
            // No such endpoint: the version is not known, and nothing is refused on a guess.
            return null;
        }

        // Every level is checked before it is read (§14): an answer of another shape is a protocol error, never a crash.
        var answer = Parse(text.Value, HttpMethod.Get, Path);
        if (answer is not JsonObject info)
        {
            throw new PlatformException(PlatformErrorKind.Protocol, $"GET {Path}: the answer is {Describe(answer)}, not an object.");
        }

        var build = info["status"] is JsonObject status && status["revisionInformation"] is JsonObject revision &&
                    revision["buildVersion"] is JsonValue value && value.TryGetValue<string>(out var b) ? b : null;
        return ParseVersion(build);
    }

    /// <summary>The leading <c>major.minor[.patch]</c> of a build version such as <c>2.7.1</c> or <c>2.10.0-rc1</c>.</summary>
    internal static Version? ParseVersion(string? build)
    {
        if (build is null)
        {
            return null;
        }

        var end = 0;
        while (end < build.Length && (char.IsAsciiDigit(build[end]) || build[end] == '.'))
        {
            end++;
        }

        return Version.TryParse(build[..end].TrimEnd('.'), out var version) ? version : null;
    }

    private async Task EnsureSupportedAsync(ApiToken? token, CancellationToken cancellationToken)
    {
        if (!_options.CheckPlatformVersion)
        {
            return;
        }

        var version = await GetPlatformVersionAsync(token, cancellationToken).ConfigureAwait(false);
        if (version is not null && version < _options.MinimumPlatformVersion)
        {
            throw new PlatformException(
                PlatformErrorKind.Unsupported,
                $"The platform at {VvpPlatformClientOptions.Origin(_options.BaseAddress!)} runs version {version}; {_options.MinimumPlatformVersion} or later is needed: " +
                "older versions address deployments by id only, so a deployment would not be found by name and would be created twice.");
        }
    }

    // The answer's UTF-8 bytes on success (empty for no body); null for a 404 when absent is an answer.
    private async Task<ReadOnlySequence<byte>?> SendAsync(HttpMethod method, string path, JsonObject? body, ApiToken? token, bool absentIsNull, CancellationToken cancellationToken, bool checkVersion = true)
    {
        if (checkVersion)
        {
            await EnsureSupportedAsync(token, cancellationToken).ConfigureAwait(false);
        }

        using var request = new HttpRequestMessage(method, new Uri(_options.BaseAddress!, path));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Reveal());
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        HttpResponseMessage response;
        try
        {
            response = await _http().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PlatformException(PlatformErrorKind.Transient, $"{method} {path} timed out after {_options.RequestTimeout.TotalSeconds:0.#} s.", null, null, ex);
        }
        catch (HttpRequestException ex)
        {
            throw new PlatformException(PlatformErrorKind.Transient, $"{method} {path} failed: {DisplayText.Clean(ex.Message, secret: token)}", null, null, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not PlatformException)
        {
            // A resilience pipeline's own refusals (a time-out, an open circuit) end as a transient failure, not an escape.
            throw new PlatformException(PlatformErrorKind.Transient, $"{method} {path} failed: {ex.GetType().Name}: {DisplayText.Clean(ex.Message, secret: token)}", null, null, ex);
        }

        using (response)
        {
            var text = await ReadAsync(response, method, path, timeout.Token, cancellationToken).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return text;
            }

            if (code == 404 && absentIsNull)
            {
                return null;
            }

            // A platform or proxy that echoes the request must not carry the token into a message: it is masked
            // before the message is shortened, so no part of it survives.
            var message = $"{method} {path}: HTTP {code}: {MessageOf(Encoding.UTF8.GetString(text), token)}";

            throw code is >= 300 and < 400
                ? new PlatformException(PlatformErrorKind.Transient, $"{method} {path}: a redirect was not followed (HTTP {code}).", code)
                : PlatformException.FromStatus(code, message, code is 429 or >= 500 ? RetryAfter(response, _options.TimeProvider) : null);
        }
    }

    // The body as UTF-8 bytes, never more than MaxResponseBytes, in chunks below the large object heap's threshold: the
    // first of the announced length (or 16 KiB), the rest of 64 KiB each, so a large answer is never one array, nor an
    // array grown by copying.
    private async Task<ReadOnlySequence<byte>> ReadAsync(HttpResponseMessage response, HttpMethod method, string path, CancellationToken timeout, CancellationToken cancellationToken)
    {
        // Chunks grow from 4 KiB (a deployment's answer fits in one) to 64 KiB, each below the large object heap's
        // threshold; they are not zeroed first, since only what was read into them is ever used.
        const int FirstChunkBytes = 4 * 1024, ChunkBytes = 64 * 1024;
        var announced = response.Content.Headers.ContentLength;
        if (announced > _options.MaxResponseBytes)
        {
            throw TooLarge(method, path);
        }

        try
        {
            using var stream = await response.Content.ReadAsStreamAsync(timeout).ConfigureAwait(false);
            Chunk? first = null, last = null;
            var chunk = GC.AllocateUninitializedArray<byte>(announced is { } length and > 0 and < ChunkBytes ? (int)length + 1 : FirstChunkBytes);
            var filled = 0;
            long total = 0;
            while (true)
            {
                var read = await stream.ReadAsync(chunk.AsMemory(filled), timeout).ConfigureAwait(false);
                filled += read;
                total += read;
                if (total > _options.MaxResponseBytes)
                {
                    throw TooLarge(method, path);
                }

                if (read == 0 || filled == chunk.Length)
                {
                    if (filled > 0)
                    {
                        last = last is null ? first = new Chunk(chunk.AsMemory(0, filled), 0) : last.Append(chunk.AsMemory(0, filled));
                    }

                    if (read == 0)
                    {
                        break;
                    }

                    (chunk, filled) = (GC.AllocateUninitializedArray<byte>(Math.Min(ChunkBytes, chunk.Length * 4)), 0);
                }
            }

            return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PlatformException(PlatformErrorKind.Transient, $"{method} {path} timed out while reading the answer.", null, null, ex);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // A connection reset in the middle of the body.
            throw new PlatformException(PlatformErrorKind.Transient, $"{method} {path}: the answer could not be read: {DisplayText.Clean(ex.Message)}", null, null, ex);
        }
    }

    private PlatformException TooLarge(HttpMethod method, string path) =>
        new(PlatformErrorKind.Transient, $"{method} {path}: the answer is larger than {_options.MaxResponseBytes} bytes.");

    // Whether a body is empty or only JSON whitespace.
    private static bool IsBlank(ReadOnlySequence<byte>? body)
    {
        foreach (var segment in body ?? ReadOnlySequence<byte>.Empty)
        {
            if (!segment.Span.TrimStart(" \t\r\n"u8).IsEmpty)
            {
                return false;
            }
        }

        return true;
    }

    // One JSON value and nothing after it, as JsonNode.Parse of one span reads it.
    private static JsonNode? Parse(ReadOnlySequence<byte> text, HttpMethod method, string path)
    {
        if (IsBlank(text))
        {
            throw new PlatformException(PlatformErrorKind.Protocol, $"{method} {path}: the platform answered with success but sent no body.");
        }

        try
        {
            var reader = new Utf8JsonReader(text);
            var node = JsonNode.Parse(ref reader);
            reader.Read();
            return node;
        }
        catch (JsonException ex)
        {
            throw new PlatformException(PlatformErrorKind.Protocol, $"{method} {path}: the answer is not JSON ({DisplayText.Clean(ex.Message, 120)}).", null, null, ex);
        }
    }

    // A resource answer (a deployment or a savepoint): a JSON object with a metadata object, else a protocol error naming what is wrong.
    private static JsonObject ResourceAnswer(ReadOnlySequence<byte>? text, HttpMethod method, string path)
    {
        var answer = Parse(text ?? ReadOnlySequence<byte>.Empty, method, path);
        if (answer is not JsonObject obj)
        {
            throw new PlatformException(PlatformErrorKind.Protocol, $"{method} {path}: the answer is {Describe(answer)}, not a JSON object.");
        }

        return obj["metadata"] is JsonObject
            ? obj
            : throw new PlatformException(PlatformErrorKind.Protocol, $"{method} {path}: the answer has no metadata object.");
    }

    // What ResourceAnswer accepts and refuses, with its messages, read with a reader instead of into a tree.
    private static ReadOnlyMemory<byte> ResourceAnswerAsUtf8(ReadOnlySequence<byte> body, HttpMethod method, string path)
    {
        var metadata = false;
        var shape = ReadObjectMembers(body, method, path, (ref Utf8JsonReader reader) =>
        {
            var isMetadata = reader.ValueTextEquals("metadata"u8);
            reader.Read();
            metadata = isMetadata ? reader.TokenType == JsonTokenType.StartObject : metadata;
            reader.Skip();
        });
        if (shape is not null)
        {
            throw new PlatformException(PlatformErrorKind.Protocol, $"{method} {path}: the answer is {shape}, not a JSON object.");
        }

        return metadata
            ? (body.IsSingleSegment ? body.First : body.ToArray())
            : throw new PlatformException(PlatformErrorKind.Protocol, $"{method} {path}: the answer has no metadata object.");
    }

    // Reads one member of an object: the reader is on the member's name and is left on the last token of its value.
    private delegate void MemberReader(ref Utf8JsonReader reader);

    // Reads an answer that should be one JSON object, handing each of its members to readMember, without a tree. Returns
    // what the answer is when it is not an object (as Describe says it), else null. No body, and JSON that is broken or
    // followed by anything, are the protocol errors every answer's read names.
    private static string? ReadObjectMembers(ReadOnlySequence<byte> body, HttpMethod method, string path, MemberReader readMember)
    {
        if (IsBlank(body))
        {
            throw new PlatformException(PlatformErrorKind.Protocol, $"{method} {path}: the platform answered with success but sent no body.");
        }

        var reader = new Utf8JsonReader(body);
        string? shape = null;
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                shape = DescribeToken(reader.TokenType);
                reader.Skip();
            }
            else
            {
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    readMember(ref reader);
                }
            }

            // Anything after the answer's value is not JSON either.
            reader.Read();
        }
        catch (JsonException ex)
        {
            throw new PlatformException(PlatformErrorKind.Protocol, $"{method} {path}: the answer is not JSON ({DisplayText.Clean(ex.Message, 120)}).", null, null, ex);
        }

        return shape;
    }

    private static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "an array",
        JsonValue value => $"a {value.GetValueKind().ToString().ToLowerInvariant()}",
        _ => "an object",
    };

    // The platform's error body is JSON with a "message" when it is JSON at all; otherwise an excerpt. Either way
    // cleaned of control characters and shortened, after the token is masked.
    private static string MessageOf(string text, ApiToken? token)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "(no message)";
        }

        var message = text;
        try
        {
            if (JsonNode.Parse(text) is JsonObject obj)
            {
                message = obj["message"] is JsonValue value && value.TryGetValue<string>(out var m) ? m
                    : obj["error"] is JsonValue error && error.TryGetValue<string>(out var e) ? e
                    : text;
            }
        }
        catch (JsonException)
        {
            // Not JSON (HTML from a proxy, plain text): the excerpt.
        }

        var cleaned = DisplayText.Clean(message, ExcerptLength, token);
        return cleaned.Length == 0 ? "(no message)" : cleaned;
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    // The platform's lists are objects (ResourceListOf…, the API specifications): their items, or none for a list whose
    // kind says it is one. Anything else (a bare array, an empty object) is not taken for an empty list: an empty list is
    // what makes a savepoint look unregistered.
    private static List<JsonObject> Items(ReadOnlySequence<byte>? text, HttpMethod method, string path) => Parse(text ?? ReadOnlySequence<byte>.Empty, method, path) switch
    {
        JsonObject obj when obj["items"] is JsonArray items => Objects(items, method, path),
        JsonObject obj when obj["items"] is null && JsonRead.String(obj, "kind") is { } kind && kind.EndsWith("List", StringComparison.Ordinal) => [],
        var other => throw new PlatformException(PlatformErrorKind.Protocol, $"{method} {path}: the answer is {Describe(other)}, not a list (an object with items)."),
    };

    // Items as a tree would give them, each as its slice of the answer's bytes, with the same refusals and messages: the
    // whole answer is read (so JSON that breaks later is not JSON), every item must be an object, and a list's shape is
    // an object with items, or none when its kind says it is a list.
    private static List<ReadOnlyMemory<byte>> ItemsAsUtf8(ReadOnlySequence<byte>? answer, HttpMethod method, string path)
    {
        var body = answer ?? ReadOnlySequence<byte>.Empty;
        string? itemError = null, kind = null;
        List<ReadOnlyMemory<byte>>? items = null;
        var itemsGiven = false;
        var shape = ReadObjectMembers(body, method, path, (ref Utf8JsonReader reader) =>
        {
            var isItems = reader.ValueTextEquals("items"u8);
            var isKind = reader.ValueTextEquals("kind"u8);
            reader.Read();
            if (isItems && reader.TokenType == JsonTokenType.StartArray)
            {
                (items, itemsGiven) = ([], true);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var start = reader.TokenStartIndex;
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        itemError ??= $"{method} {path}: item {items.Count} of the list is {DescribeToken(reader.TokenType)}, not an object.";
                    }

                    reader.Skip();
                    // Each item an array of its own: a large answer's chunks are let go once it is read.
                    items.Add(body.Slice(start, reader.BytesConsumed - start).ToArray());
                }
            }
            else
            {
                // items: null is no items; any other value is not a list.
                (items, itemsGiven) = isItems ? (null, reader.TokenType != JsonTokenType.Null) : (items, itemsGiven);
                kind = isKind && reader.TokenType == JsonTokenType.String ? reader.GetString() : kind;
                reader.Skip();
            }
        });

        if (shape is null && items is not null)
        {
            return itemError is null ? items : throw new PlatformException(PlatformErrorKind.Protocol, itemError);
        }

        return shape is null && !itemsGiven && kind is not null && kind.EndsWith("List", StringComparison.Ordinal)
            ? []
            : throw new PlatformException(PlatformErrorKind.Protocol, $"{method} {path}: the answer is {shape ?? "an object"}, not a list (an object with items).");
    }

    // What Describe says of the node a token starts.
    private static string DescribeToken(JsonTokenType token) => token switch
    {
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True => "a true",
        _ => "a false",
    };

    // Every item of a list is an object; one that is not makes the whole answer a protocol error, never a shorter list.
    private static List<JsonObject> Objects(JsonArray items, HttpMethod method, string path)
    {
        var list = new List<JsonObject>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            list.Add(items[i] as JsonObject ?? throw new PlatformException(PlatformErrorKind.Protocol, $"{method} {path}: item {i} of the list is {Describe(items[i])}, not an object."));
        }

        // The items leave the answer's tree (Clear detaches each from its parent): each is the caller's own, uncopied.
        items.Clear();
        return list;
    }

    // One chunk of an answer, linked to the next.
    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        public Chunk(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Chunk Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Chunk(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
