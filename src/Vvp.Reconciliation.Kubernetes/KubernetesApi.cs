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
    public KubernetesApiException(int statusCode, string reason, string message, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
        Reason = reason;
    }

    /// <summary>The HTTP status; 0 when the call failed without an answer (connection, timeout).</summary>
    public int StatusCode { get; }

    /// <summary>The API's reason (<c>NotFound</c>, <c>Conflict</c>, <c>AlreadyExists</c>, <c>Expired</c>, …) or the failure's kind.</summary>
    public string Reason { get; }

    public bool IsNotFound => StatusCode == 404;

    public bool IsConflict => StatusCode == 409;

    public bool IsGone => StatusCode == 410;
}

/// <summary>
/// The few Kubernetes API calls the controller makes, as JSON, over KubernetesClient's configured transport
/// (its kubeconfig or in-cluster configuration, TLS and credentials). Every call but a watch is bounded by
/// the call timeout; a failure is a <see cref="KubernetesApiException"/>, never an unobserved task.
/// </summary>
internal sealed class KubernetesApi
{
    private readonly k8s.Kubernetes _client;
    private readonly TimeSpan _timeout;

    public KubernetesApi(k8s.Kubernetes client, TimeSpan timeout)
    {
        _client = client;
        _timeout = timeout;
    }

    public Task<JsonObject> GetAsync(ResourceType type, string ns, string name, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, type.Path(ns, name), null, null, cancellationToken);

    public Task<JsonObject> ListAsync(ResourceType type, string ns, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, type.Path(ns), null, null, cancellationToken);

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
        ResourceType type, string ns, string resourceVersion, TimeSpan serverTimeout, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = $"?watch=true&allowWatchBookmarks=true&resourceVersion={Uri.EscapeDataString(resourceVersion)}&timeoutSeconds={(int)Math.Max(1, serverTimeout.TotalSeconds)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_client.BaseUri, type.Path(ns) + query));
        using var response = await SendCoreAsync(request, bounded: false, cancellationToken).ConfigureAwait(false);
        await ThrowUnlessSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Encoding.UTF8);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                throw new KubernetesApiException(0, "WatchBroken", $"The watch of {type.Plural} in {ns} broke: {ex.Message}", ex);
            }

            if (line is null)
            {
                yield break;
            }

            if (line.Length == 0)
            {
                continue;
            }

            JsonObject? watchEvent;
            try
            {
                watchEvent = JsonNode.Parse(line) as JsonObject;
            }
            catch (JsonException ex)
            {
                throw new KubernetesApiException(0, "WatchMalformed", $"The watch of {type.Plural} in {ns} sent a line that is not JSON: {ex.Message}", ex);
            }

            var eventType = JsonRead.String(watchEvent, "type");
            if (watchEvent?["object"] is not JsonObject obj || eventType is null)
            {
                continue;
            }

            if (eventType == "ERROR")
            {
                var code = (int)(JsonRead.Int64(obj, "code") ?? 500);
                throw new KubernetesApiException(code, JsonRead.String(obj, "reason") ?? "Error", JsonRead.String(obj, "message") ?? "The watch reported an error.");
            }

            yield return (eventType, obj);
        }
    }

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, string? contentType, CancellationToken cancellationToken)
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
            var text = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return JsonNode.Parse(text) as JsonObject ?? throw new KubernetesApiException((int)response.StatusCode, "Malformed", $"{method} {path} answered something that is not a JSON object.");
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
        try
        {
            if (_client.Credentials is { } credentials)
            {
                await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
            }

            return await _client.HttpClient.SendAsync(request, bounded ? HttpCompletionOption.ResponseContentRead : HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new KubernetesApiException(0, "Unavailable", $"{request.Method} {request.RequestUri?.AbsolutePath}: the Kubernetes API could not be reached: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new KubernetesApiException(0, "Unavailable", $"{request.Method} {request.RequestUri?.AbsolutePath}: the connection broke: {ex.Message}", ex);
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
