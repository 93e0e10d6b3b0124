using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>A namespaced resource type the controller reads or writes.</summary>
internal sealed record ResourceType(string Group, string Version, string Plural, string Kind)
{
    public static readonly ResourceType VvpDeployments = new("ververica.platform", "v1", "vvpdeployments", "VvpDeployment");
    public static readonly ResourceType ConfigMaps = new("", "v1", "configmaps", "ConfigMap");
    public static readonly ResourceType Secrets = new("", "v1", "secrets", "Secret");
    public static readonly ResourceType Events = new("", "v1", "events", "Event");
    public static readonly ResourceType Leases = new("coordination.k8s.io", "v1", "leases", "Lease");

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string Path(string ns, string? name = null, string? subresource = null)
    {
        var prefix = Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";
        var path = $"{prefix}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}";
        if (name is not null)
        {
            path += "/" + Uri.EscapeDataString(name);
        }

        return subresource is null ? path : path + "/" + subresource;
    }
}

/// <summary>An answer other than success from the Kubernetes API, or no answer at all (<see cref="StatusCode"/> 0).</summary>
internal sealed class KubernetesApiException : Exception
{
    // The reason and message often come from the API's answer: cleaned of control characters and escape sequences
    // (and shortened) before anything logs them or writes them into an Event.
    public KubernetesApiException(int statusCode, string reason, string message, Exception? inner = null)
        : base(Vvp.Reconciliation.Platform.DisplayText.Clean(message, 2000), inner)
    {
        StatusCode = statusCode;
        Reason = Vvp.Reconciliation.Platform.DisplayText.Clean(reason, 100);
    }

    /// <summary>The HTTP status; 0 when the call failed without an answer (connection, timeout).</summary>
    public int StatusCode { get; }

    /// <summary>The API's reason (<c>NotFound</c>, <c>Conflict</c>, <c>AlreadyExists</c>, <c>Expired</c>, …) or the failure's kind.</summary>
    public string Reason { get; }

    public bool IsNotFound => StatusCode == 404;

    public bool IsConflict => StatusCode == 409;

    public bool IsGone => StatusCode == 410;
}

/// <summary>A whole list, read page by page: the items, the revision it was taken at, and the items left out (each named).</summary>
internal sealed record ListAnswer(IReadOnlyList<JsonObject> Items, string ResourceVersion, IReadOnlyList<string> Problems);

/// <summary>
/// The few Kubernetes API calls the controller makes, as JSON, over KubernetesClient's configured transport
/// (its kubeconfig or in-cluster configuration, TLS and credentials). Every call but a watch is bounded by
/// the call timeout; a failure is a <see cref="KubernetesApiException"/>, never an unobserved task.
/// </summary>
internal sealed class KubernetesApi
{
    /// <summary>How many items a LIST asks for per page (client-go's reflector asks for 500).</summary>
    public const int PageSize = 500;

    /// <summary>The largest watch event read (the API server refuses objects over 3 MiB); a larger one ends the watch.</summary>
    public const int MaxFrameBytes = 4 * 1024 * 1024;

    private const int MaxPages = 100_000;

    private readonly k8s.Kubernetes _client;
    private readonly TimeSpan _timeout;
    private readonly ControllerMetrics? _metrics;

    public KubernetesApi(k8s.Kubernetes client, TimeSpan timeout, ControllerMetrics? metrics = null)
    {
        _client = client;
        _timeout = timeout;
        _metrics = metrics;
    }

    public Task<JsonObject> GetAsync(ResourceType type, string ns, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, type.Path(ns, name), null, null, cancellationToken);

    /// <summary>
    /// Lists a namespace's objects of a type page by page (<c>limit</c>, <c>continue</c>), as client-go's reflector does.
    /// Each page must be a list of the type (<c>kind</c>) with a <c>metadata.resourceVersion</c>; anything else
    /// (another kind, a <c>Status</c>) is a <see cref="KubernetesApiException"/> and nothing of it is used. An item that
    /// cannot be read is left out and named in <see cref="ListAnswer.Problems"/>.
    /// </summary>
    public async Task<ListAnswer> ListAsync(ResourceType type, string ns, CancellationToken cancellationToken)
    {
        var items = new List<JsonObject>();
        var (version, problems) = await ListPagesAsync(type, ns, items.Add, cancellationToken).ConfigureAwait(false);
        return new ListAnswer(items, version, problems);
    }

    /// <summary>
    /// Lists as <see cref="ListAsync"/> does, handing each item to <paramref name="onItem"/> as its page is read, so that
    /// only one page is held at a time; a failure on a later page fails the list after the earlier pages' items were handed
    /// over. Returns the list's <c>resourceVersion</c> (the first page's) and the problems.
    /// </summary>
    public async Task<(string ResourceVersion, IReadOnlyList<string> Problems)> ListPagesAsync(ResourceType type, string ns, Action<JsonObject> onItem, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        string? version = null;
        string? next = null;
        for (var pages = 0; ; pages++)
        {
            var query = $"?limit={PageSize}" + (next is null ? string.Empty : $"&continue={Uri.EscapeDataString(next)}");
            var page = await SendAsync(HttpMethod.Get, type.Path(ns) + query, null, null, cancellationToken, AnswerShape.List, problems).ConfigureAwait(false);
            var kind = JsonRead.String(page, "kind");
            if (kind != type.Kind + "List")
            {
                throw new KubernetesApiException(0, "WrongKind", $"LIST {type.Plural} in {ns} answered {(kind is null ? "no kind" : $"kind '{Vvp.Reconciliation.Platform.DisplayText.Clean(kind, 100)}'")}, not {type.Kind}List: nothing of it is used.");
            }

            if (JsonRead.String(page, "metadata", "resourceVersion") is not { Length: > 0 } pageVersion)
            {
                throw new KubernetesApiException(0, "Malformed", $"LIST {type.Plural} in {ns} answered a list without metadata.resourceVersion: nothing of it is used.");
            }

            version ??= pageVersion;
            var pageItems = page["items"] as JsonArray ?? [];
            for (var i = 0; i < pageItems.Count; i++)
            {
                if (pageItems[i] is JsonObject item)
                {
                    onItem(item);
                }
                else
                {
                    problems.Add($"item {i} is left out: it is not an object");
                }
            }

            var continued = JsonRead.String(page, "metadata", "continue") is { Length: > 0 } c ? c : null;
            if (continued is null)
            {
                return (version, problems);
            }

            if (continued == next || pages >= MaxPages)
            {
                throw new KubernetesApiException(0, "Malformed", $"LIST {type.Plural} in {ns} does not end: page {pages + 1} continues where it started.");
            }

            next = continued;
        }
    }

    public Task<JsonObject> CreateAsync(ResourceType type, string ns, JsonObject obj, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, type.Path(ns), obj, "application/json", cancellationToken);

    /// <summary>PUT: the object carries the <c>resourceVersion</c> it was read at; a stale one answers 409.</summary>
    public Task<JsonObject> ReplaceAsync(ResourceType type, string ns, string name, JsonObject obj, CancellationToken cancellationToken, bool status = false) =>
        SendAsync(HttpMethod.Put, type.Path(ns, name, status ? "status" : null), obj, "application/json", cancellationToken);

    public Task<JsonObject> MergePatchAsync(ResourceType type, string ns, string name, JsonObject patch, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Patch, type.Path(ns, name), patch, "application/merge-patch+json", cancellationToken);

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/>: the server's events. It ends
    /// when the server closes it; a 410 Gone arrives as <see cref="KubernetesApiException"/> with <see cref="KubernetesApiException.IsGone"/>.
    /// </summary>
    public async IAsyncEnumerable<(string Type, JsonObject Object)> WatchAsync(
        ResourceType type, string ns, string resourceVersion, TimeSpan serverTimeout, TimeSpan silence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = $"?watch=true&allowWatchBookmarks=true&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={(int)Math.Max(1, serverTimeout.TotalSeconds)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_client.BaseUri, type.Path(ns) + query));
        // A watch that delivers no whole event (not even a bookmark) for its silence bound is given up: a half-open
        // connection or a server that drips bytes would otherwise hold the informer forever.
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        quiet.CancelAfter(silence);
        HttpResponseMessage response;
        try
        {
            response = await SendCoreAsync(request, bounded: false, quiet.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Silent(type, ns, silence);
        }

        using (response)
        {
            await ThrowUnlessSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            using var frames = new WatchFrames(stream);
            while (true)
            {
                ReadOnlyMemory<byte>? frame;
                try
                {
                    frame = await frames.NextAsync(quiet.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw Silent(type, ns, silence);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException)
                {
                    throw new KubernetesApiException(0, "WatchBroken", $"The watch of {type.Plural} in {ns} broke: {ex.Message}", ex);
                }
                catch (InvalidDataException ex)
                {
                    throw new KubernetesApiException(0, "FrameTooLarge", $"The watch of {type.Plural} in {ns} sent an event larger than {MaxFrameBytes / (1024 * 1024)} MiB: {ex.Message}", ex);
                }

                if (frame is not { } line)
                {
                    yield break;
                }

                quiet.CancelAfter(silence);
                var problems = new List<string>();
                JsonObject watchEvent;
                try
                {
                    watchEvent = JsonAnswer.Read(line.Span, AnswerShape.WatchEvent, problems);
                }
                catch (JsonException ex)
                {
                    throw new KubernetesApiException(0, "WatchMalformed", $"The watch of {type.Plural} in {ns} sent an event that is not JSON: {ex.Message}", ex);
                }

                if (problems.Count > 0)
                {
                    throw new KubernetesApiException(0, "WatchMalformed", $"The watch of {type.Plural} in {ns} sent an event that cannot be read ({string.Join("; ", problems)}); the cache is listed again.");
                }

                var eventType = JsonRead.String(watchEvent, "type");
                if (watchEvent["object"] is not JsonObject obj || eventType is null)
                {
                    continue;
                }

                if (eventType == "ERROR")
                {
                    var code = (int)Math.Clamp(JsonRead.Int64(obj, "code") ?? 500, 0, 999);
                    throw new KubernetesApiException(code, JsonRead.String(obj, "reason") ?? "Error", JsonRead.String(obj, "message") ?? "The watch reported an error.");
                }

                yield return (eventType, obj);
            }
        }
    }

    private static KubernetesApiException Silent(ResourceType type, string ns, TimeSpan silence) =>
        new(0, "WatchSilent", $"The watch of {type.Plural} in {ns} delivered nothing for {silence.TotalSeconds:0.#} s (its timeout and a margin): it is given up and the cache listed again.");

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, string? contentType, CancellationToken cancellationToken, AnswerShape shape = AnswerShape.Object, List<string>? problems = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_client.BaseUri, path));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType ?? "application/json");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await SendCoreAsync(request, bounded: true, timeout.Token).ConfigureAwait(false);
            await ThrowUnlessSuccessAsync(response, timeout.Token).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            return JsonAnswer.Read(bytes, shape, problems ?? []);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KubernetesApiException(0, "Timeout", $"{method} {path} had no answer within {_timeout.TotalSeconds:0.#} s.");
        }
        catch (JsonException ex)
        {
            throw new KubernetesApiException(0, "Malformed", $"{method} {path} answered something that is not JSON: {ex.Message}", ex);
        }
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, bool bounded, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var code = "<error>";
        try
        {
            if (_client.Credentials is { } credentials)
            {
                await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
            }

            var response = await _client.HttpClient.SendAsync(request, bounded ? HttpCompletionOption.ResponseContentRead : HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            code = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return response;
        }
        catch (HttpRequestException ex)
        {
            throw new KubernetesApiException(0, "Unavailable", $"{request.Method} {request.RequestUri?.AbsolutePath}: the Kubernetes API could not be reached: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new KubernetesApiException(0, "Unavailable", $"{request.Method} {request.RequestUri?.AbsolutePath}: the connection broke: {ex.Message}", ex);
        }
        finally
        {
            if (_metrics is { } metrics)
            {
                var verb = new KeyValuePair<string, object?>("verb", ControllerMetrics.Verb(request.Method, request.RequestUri?.PathAndQuery ?? string.Empty));
                metrics.KubernetesRequests.Add(1, verb, new KeyValuePair<string, object?>("code", code));
                metrics.KubernetesRequestDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, verb);
            }
        }
    }

    private static async Task ThrowUnlessSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string reason = response.StatusCode.ToString();
        string message = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.AbsolutePath} answered {(int)response.StatusCode}.";
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (JsonNode.Parse(text) is JsonObject status && JsonRead.String(status, "kind") == "Status")
            {
                reason = JsonRead.String(status, "reason") ?? reason;
                message = JsonRead.String(status, "message") ?? message;
            }
        }
        catch (Exception ex) when (ex is JsonException or IOException or HttpRequestException)
        {
            // The answer's status code says enough.
        }

        throw new KubernetesApiException((int)response.StatusCode, reason, message);
    }

    public static bool IsTransient(KubernetesApiException ex) =>
        ex.StatusCode is 0 or 429 or >= 500 || ex.StatusCode == (int)HttpStatusCode.RequestTimeout;
}
