using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Vvp.Reconciliation.Hosting;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Kubernetes.Testing;

/// <summary>
/// A stand-in for the Kubernetes API server on 127.0.0.1 that KubernetesClient reaches through an ordinary
/// kubeconfig (<see cref="WriteKubeconfig"/>). It keeps the API's semantics for namespaced resources:
/// <list type="bullet">
/// <item>one revision counter; every write gets a new <c>metadata.resourceVersion</c>, and a list carries the revision it was taken at;</item>
/// <item>watch from a version, replaying what happened since; a version older than the kept history answers 410 Gone (an <c>ERROR</c> event), as after compaction (<see cref="Compact"/>);</item>
/// <item>create (409 <c>AlreadyExists</c>, <c>generateName</c>), update with a stale <c>resourceVersion</c> → 409 <c>Conflict</c>, merge patch and JSON Patch (a failed <c>test</c> → 422);</item>
/// <item>for types with a status subresource: <c>metadata.generation</c> bumped by spec changes only, status changed only through <c>/status</c>;</item>
/// <item>finalizers: a delete sets <c>deletionTimestamp</c> while finalizers remain; the object goes when the last is removed;</item>
/// <item>validating admission webhooks (<see cref="AddAdmissionWebhook"/>) called over HTTPS before a create or update is stored, with their timeout and failure policy; <c>dryRun=All</c> judged and answered without storing;</item>
/// <item>discovery (<c>/api</c>, <c>/apis</c>, <c>/version</c>) and <c>fieldSelector</c> on any field, so <c>kubectl get</c>, <c>wait</c> and <c>delete</c> work against it.</item>
/// </list>
/// Faults (<see cref="Faults"/>): status answers, slow answers, random failures, outages, dropped watches.
/// Every request is recorded in <see cref="Calls"/> with its RBAC verb.
/// </summary>
public sealed class KubernetesApiStandIn : IAsyncDisposable
{
    // The API server reads and writes documents nested far deeper than System.Text.Json's default of 64.
    private const int MaxDepth = 10_000;

    private static readonly JsonSerializerOptions Compact0 = new() { WriteIndented = false, MaxDepth = MaxDepth };

    private readonly object _gate = new();
    private readonly WebApplication _app;
    private readonly TimeProvider _time;
    private readonly List<ApiResource> _resources = [ApiResource.ConfigMaps, ApiResource.Secrets, ApiResource.Events, ApiResource.Leases, ApiResource.VvpDeployments];
    private readonly Dictionary<(ApiResource Type, string Namespace, string Name), JsonObject> _objects = [];
    private readonly LinkedList<Change> _history = new();
    private readonly List<Watcher> _watchers = [];
    private long _deliveredEvents;
    private readonly List<ApiCall> _calls = [];
    private readonly List<(AdmissionWebhook Webhook, HttpClient Client)> _webhooks = [];
    private long _admissionReviews;
    private bool _dryRun;
    private long _revision;
    private long _compactedAt;
    private int _uids;

    private KubernetesApiStandIn(WebApplication app, Uri baseAddress, TimeProvider time)
    {
        _app = app;
        BaseAddress = baseAddress;
        _time = time;
    }

    /// <summary>The server's address, e.g. <c>http://127.0.0.1:54321/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The faults to inject.</summary>
    public ApiFaults Faults { get; } = new();

    /// <summary>How many changes the history keeps for watches; older versions answer 410 Gone. Default 10,000.</summary>
    public int HistoryLimit { get; set; } = 10_000;

    /// <summary>Every request answered, in order.</summary>
    public IReadOnlyList<ApiCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>
    /// How many watch events the stand-in has written to its clients and flushed, of every resource: a test waits for
    /// this to move before it asserts that something did not follow an event.
    /// </summary>
    public long DeliveredEvents => Interlocked.Read(ref _deliveredEvents);

    /// <summary>How many <c>AdmissionReview</c>s the stand-in has sent to its webhooks (answered or not).</summary>
    public long AdmissionReviews => Interlocked.Read(ref _admissionReviews);

    /// <summary>How many watches are open now.</summary>
    public int OpenWatches
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>The current revision (the <c>resourceVersion</c> of the latest write).</summary>
    public long Revision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    /// <summary>A kubeconfig that points KubernetesClient (or kubectl) at this server.</summary>
    public string Kubeconfig => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: stand-in
          cluster:
            server: {BaseAddress.ToString().TrimEnd('/')}
        users:
        - name: stand-in
          user:
            token: stand-in-token
        contexts:
        - name: stand-in
          context:
            cluster: stand-in
            user: stand-in
        current-context: stand-in

        """;

    /// <summary>Starts a stand-in on 127.0.0.1.</summary>
    /// <param name="timeProvider">The clock for timestamps; the system clock when omitted.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running server.</returns>
    public static async Task<KubernetesApiStandIn> StartAsync(TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        KubernetesApiStandIn? standIn = null;
        var (app, address) = await LoopbackServer.StartAsync(0, context => standIn!.HandleAsync(context), cancellationToken).ConfigureAwait(false);
        standIn = new KubernetesApiStandIn(app, address, timeProvider ?? TimeProvider.System);
        return standIn;
    }

    /// <summary>Serves another namespaced resource type (a custom resource of your own).</summary>
    /// <param name="resource">The type.</param>
    public void Register(ApiResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        lock (_gate)
        {
            if (!_resources.Contains(resource))
            {
                _resources.Add(resource);
            }
        }
    }

    /// <summary>
    /// Calls <paramref name="webhook"/> before storing each create or update it judges, as the API server calls a
    /// <c>ValidatingWebhookConfiguration</c>'s webhook: a refusal is answered with the webhook's status and
    /// <c>admission webhook "name" denied the request: …</c>; a webhook that cannot be reached, times out or answers
    /// nonsense refuses the request (500, <c>failed calling webhook</c>) under <see cref="AdmissionFailurePolicy.Fail"/>
    /// and is skipped under <see cref="AdmissionFailurePolicy.Ignore"/>. The direct methods (<see cref="Create"/>, …) do not call it.
    /// </summary>
    /// <param name="webhook">The webhook.</param>
    public void AddAdmissionWebhook(AdmissionWebhook webhook)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        X509Certificate2Collection? roots = null;
        if (webhook.CaBundle is { } pem)
        {
            roots = [];
            roots.ImportFromPem(pem);
        }

        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(certificate, errors, roots) },
        };
        lock (_gate)
        {
            _webhooks.Add((webhook, new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan }));
        }
    }

    /// <summary>Writes <see cref="Kubeconfig"/> to a file.</summary>
    /// <param name="path">The file.</param>
    public void WriteKubeconfig(string path) => File.WriteAllText(path, Kubeconfig);

    /// <summary>Reads an object, as <c>kubectl get</c> would (a copy; nothing is recorded in <see cref="Calls"/>).</summary>
    /// <param name="resource">The type.</param>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <returns>The object, or <see langword="null"/>.</returns>
    public JsonObject? Get(ApiResource resource, string ns, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue((resource, ns, name), out var found) ? (JsonObject)found.DeepClone() : null;
        }
    }

    /// <summary>Counts the objects of a type in a namespace that <paramref name="predicate"/> accepts, copying none (for polls over large fleets).</summary>
    /// <param name="resource">The type.</param>
    /// <param name="ns">The namespace.</param>
    /// <param name="predicate">Reads an object (the stored one: it must not change it or keep it).</param>
    /// <returns>How many it accepted.</returns>
    public int Count(ApiResource resource, string ns, Func<JsonObject, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        lock (_gate)
        {
            return _objects.Count(o => o.Key.Type == resource && o.Key.Namespace == ns && predicate(o.Value));
        }
    }

    /// <summary>Lists the objects of a type in a namespace (copies).</summary>
    /// <param name="resource">The type.</param>
    /// <param name="ns">The namespace.</param>
    /// <returns>The objects, by name.</returns>
    public IReadOnlyList<JsonObject> List(ApiResource resource, string ns)
    {
        lock (_gate)
        {
            return [.. _objects.Where(o => o.Key.Type == resource && o.Key.Namespace == ns).OrderBy(o => o.Key.Name, StringComparer.Ordinal).Select(o => (JsonObject)o.Value.DeepClone())];
        }
    }

    /// <summary>Creates an object, as <c>kubectl create</c> would.</summary>
    /// <param name="resource">The type.</param>
    /// <param name="ns">The namespace.</param>
    /// <param name="obj">The object.</param>
    /// <returns>The stored object.</returns>
    /// <exception cref="KubernetesApiStandInException">The API refuses it (e.g. 409 AlreadyExists).</exception>
    public JsonObject Create(ApiResource resource, string ns, JsonObject obj)
    {
        lock (_gate)
        {
            return (JsonObject)CreateCore(resource, ns, (JsonObject)obj.DeepClone()).DeepClone();
        }
    }

    /// <summary>
    /// Changes an object, as <c>kubectl edit</c> would: <paramref name="edit"/> gets a copy of the stored object,
    /// and the result is written as an update (to <c>/status</c> when <paramref name="status"/>).
    /// </summary>
    /// <param name="resource">The type.</param>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <param name="edit">Changes the copy.</param>
    /// <param name="status">Whether to write the status subresource.</param>
    /// <returns>The stored object.</returns>
    public JsonObject Update(ApiResource resource, string ns, string name, Action<JsonObject> edit, bool status = false)
    {
        ArgumentNullException.ThrowIfNull(edit);
        lock (_gate)
        {
            var copy = (JsonObject)(Find(resource, ns, name) ?? throw NotFound(resource, name)).DeepClone();
            edit(copy);
            return (JsonObject)UpdateCore(resource, ns, name, copy, status).DeepClone();
        }
    }

    /// <summary>Deletes an object, as <c>kubectl delete</c> would (with finalizers, it only gets a <c>deletionTimestamp</c>).</summary>
    /// <param name="resource">The type.</param>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The name.</param>
    /// <returns>True when there was one.</returns>
    public bool Delete(ApiResource resource, string ns, string name)
    {
        lock (_gate)
        {
            if (Find(resource, ns, name) is null)
            {
                return false;
            }

            DeleteCore(resource, ns, name);
            return true;
        }
    }

    /// <summary>Ends every open watch (the server closes the streams cleanly, as on an API server restart).</summary>
    public void DropWatches()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Lines.Writer.TryComplete();
            }
        }
    }

    /// <summary>Forgets the history: a watch from any version before now answers 410 Gone, as after etcd compaction.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedAt = _revision;
        }
    }

    /// <summary>Forgets the recorded calls.</summary>
    public void ClearCalls()
    {
        lock (_gate)
        {
            _calls.Clear();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        DropWatches();
        lock (_gate)
        {
            foreach (var (_, client) in _webhooks)
            {
                client.Dispose();
            }
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Method == "GET" && Discovery(request.Path.Value ?? "") is { } discovery)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(discovery.ToJsonString(Compact0), context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (!TryRoute(request.Path.Value ?? "", out var resource, out var ns, out var name, out var subresource))
        {
            await WriteStatusAsync(context, 404, "NotFound", $"the server could not find the requested resource ({request.Path})").ConfigureAwait(false);
            return;
        }

        var isWatch = request.Query["watch"] is { Count: > 0 } w && w[0] is "1" or "true";
        var verb = request.Method switch
        {
            "GET" when isWatch => "watch",
            "GET" => name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => "unknown",
        };
        var resourceName = subresource is null ? resource.Plural : $"{resource.Plural}/{subresource}";
        var (drop, delay, status, raw) = Faults.Decide(verb, resourceName);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (drop)
        {
            Record(verb, resource, resourceName, ns, name, 0);
            context.Abort();
            return;
        }

        if (raw is not null)
        {
            Record(verb, resource, resourceName, ns, name, raw.Status);
            context.Response.StatusCode = raw.Status;
            context.Response.ContentType = "application/json";
            try
            {
                await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                await raw.Body(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // The client went away.
            }

            return;
        }

        if (status != 0)
        {
            Record(verb, resource, resourceName, ns, name, status);
            await WriteStatusAsync(context, status, ReasonOf(status), $"injected fault: {status}").ConfigureAwait(false);
            return;
        }

        Func<JsonObject, bool>? selected;
        try
        {
            selected = Selector(request.Query["fieldSelector"]);
        }
        catch (KubernetesApiStandInException ex)
        {
            Record(verb, resource, resourceName, ns, name, ex.StatusCode);
            await WriteStatusAsync(context, ex.StatusCode, ex.Reason, ex.Message).ConfigureAwait(false);
            return;
        }

        if (verb == "watch")
        {
            Record(verb, resource, resourceName, ns, name, 200);
            await WatchAsync(context, resource, ns, selected).ConfigureAwait(false);
            return;
        }

        JsonNode? body = null;
        if (request.Method is "POST" or "PUT" or "PATCH")
        {
            try
            {
                body = await JsonNode.ParseAsync(request.Body, documentOptions: new JsonDocumentOptions { MaxDepth = MaxDepth }, cancellationToken: context.RequestAborted).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                Record(verb, resource, resourceName, ns, name, 400);
                await WriteStatusAsync(context, 400, "BadRequest", $"the body is not JSON: {ex.Message}").ConfigureAwait(false);
                return;
            }
        }

        int code;
        JsonNode answer;
        try
        {
            var dryRun = request.Query["dryRun"] is { Count: > 0 } dry && dry[0] == "All";
            var operation = verb switch
            {
                "create" => "CREATE",
                "update" or "patch" when subresource is null => "UPDATE",
                _ => null,
            };
            var webhooks = operation is null ? [] : WebhooksFor(resource, ns, operation);
            if (webhooks.Count > 0 || dryRun)
            {
                // Admission judges the object as it would be stored; a dry run ends there, a real request is then executed.
                var (candidateCode, candidate, old) = Execute(dry: true);
                foreach (var (webhook, client) in webhooks)
                {
                    await AdmitAsync(webhook, client, resource, ns, operation!, (JsonObject)candidate, old, dryRun, context.RequestAborted).ConfigureAwait(false);
                }

                (code, answer, _) = dryRun ? (candidateCode, candidate, old) : Execute(dry: false);
            }
            else
            {
                (code, answer, _) = Execute(dry: false);
            }
        }
        catch (KubernetesApiStandInException ex)
        {
            Record(verb, resource, resourceName, ns, name, ex.StatusCode);
            await WriteStatusAsync(context, ex.StatusCode, ex.Reason, ex.Message).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (ex is JsonPatchException or JsonDepthLimitExceededException or InvalidOperationException or FormatException)
        {
            Record(verb, resource, resourceName, ns, name, 422);
            await WriteStatusAsync(context, 422, "Invalid", ex.Message).ConfigureAwait(false);
            return;
        }

        Record(verb, resource, resourceName, ns, name, code);
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString(Compact0), context.RequestAborted).ConfigureAwait(false);

        // The request's operation on the store, with the object before it; a dry run changes nothing.
        (int Code, JsonNode Answer, JsonObject? Old) Execute(bool dry)
        {
            lock (_gate)
            {
                _dryRun = dry;
                try
                {
                    var old = name is null ? null : (JsonObject?)Find(resource, ns, name)?.DeepClone();
                    var input = dry ? body?.DeepClone() : body;
                    var (code, answer) = verb switch
                    {
                        "get" => (200, (Find(resource, ns, name!) ?? throw NotFound(resource, name!)).DeepClone()),
                        "list" => (200, ListCore(resource, ns, selected, Page(request.Query))),
                        "create" => (201, CreateCore(resource, ns, input as JsonObject ?? throw Invalid("the body must be an object")).DeepClone()),
                        "update" => (200, UpdateCore(resource, ns, name ?? throw Invalid("an update names its object"), input as JsonObject ?? throw Invalid("the body must be an object"), subresource == "status").DeepClone()),
                        "patch" => (200, PatchCore(resource, ns, name ?? throw Invalid("a patch names its object"), input, request.ContentType ?? "", subresource == "status").DeepClone()),
                        "delete" => (200, DeleteCore(resource, ns, name ?? throw Invalid("a delete names its object")).DeepClone()),
                        _ => throw new KubernetesApiStandInException(405, "MethodNotAllowed", $"{request.Method} is not supported."),
                    };
                    return (code, answer, old);
                }
                finally
                {
                    _dryRun = false;
                }
            }
        }
    }

    private List<(AdmissionWebhook Webhook, HttpClient Client)> WebhooksFor(ApiResource resource, string ns, string operation)
    {
        lock (_gate)
        {
            return [.. _webhooks.Where(w => w.Webhook.Resource == resource && w.Webhook.Operations.Contains(operation) && (w.Webhook.Namespaces is null || w.Webhook.Namespaces.Contains(ns)))];
        }
    }

    // One webhook's verdict on the object as it would be stored; a refusal or a failure under Fail is thrown as the API server answers it.
    private async Task AdmitAsync(AdmissionWebhook webhook, HttpClient client, ApiResource resource, string ns, string operation, JsonObject candidate, JsonObject? old, bool dryRun, CancellationToken cancellationToken)
    {
        if (dryRun && webhook.HasSideEffects)
        {
            throw new KubernetesApiStandInException(400, "BadRequest", $"admission webhook \"{webhook.Name}\" does not support dry run");
        }

        Interlocked.Increment(ref _admissionReviews);
        var uid = Guid.NewGuid().ToString();
        var review = new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1",
            ["kind"] = "AdmissionReview",
            ["request"] = new JsonObject
            {
                ["uid"] = uid,
                ["kind"] = new JsonObject { ["group"] = resource.Group, ["version"] = resource.Version, ["kind"] = resource.Kind },
                ["resource"] = new JsonObject { ["group"] = resource.Group, ["version"] = resource.Version, ["resource"] = resource.Plural },
                ["name"] = JsonRead.String(candidate, "metadata", "name"),
                ["namespace"] = ns,
                ["operation"] = operation,
                ["userInfo"] = new JsonObject { ["username"] = "stand-in" },
                ["object"] = candidate.DeepClone(),
                ["oldObject"] = old?.DeepClone(),
                ["dryRun"] = dryRun,
                ["options"] = new JsonObject { ["apiVersion"] = "meta.k8s.io/v1", ["kind"] = operation == "CREATE" ? "CreateOptions" : "UpdateOptions" },
            },
        };

        string? failure = null;
        JsonNode? verdict = null;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(webhook.Timeout);
            try
            {
                using var content = new StringContent(review.ToJsonString(Compact0), Encoding.UTF8, "application/json");
                using var answer = await client.PostAsync(webhook.Url, content, timeout.Token).ConfigureAwait(false);
                var text = await answer.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                if (!answer.IsSuccessStatusCode)
                {
                    failure = $"the server responded with status code {(int)answer.StatusCode}";
                }
                else
                {
                    verdict = JsonNode.Parse(text)?["response"];
                    if (JsonRead.String(verdict, "uid") != uid || verdict?["allowed"] is not JsonValue allowed || allowed.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
                    {
                        failure = $"expected response.uid=\"{uid}\" and a boolean response.allowed";
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = $"Post \"{webhook.Url}\": context deadline exceeded";
            }
            catch (HttpRequestException ex)
            {
                failure = $"Post \"{webhook.Url}\": {ex.Message}";
            }
            catch (System.Text.Json.JsonException ex)
            {
                failure = $"the answer is not an AdmissionReview: {ex.Message}";
            }
        }

        if (failure is not null)
        {
            if (webhook.FailurePolicy == AdmissionFailurePolicy.Ignore)
            {
                return;
            }

            throw new KubernetesApiStandInException(500, "InternalError", $"Internal error occurred: failed calling webhook \"{webhook.Name}\": failed to call webhook: {failure}");
        }

        if (verdict!["allowed"]!.GetValue<bool>())
        {
            return;
        }

        var status = verdict["status"];
        var code = JsonRead.Int64(status, "code") is { } c and >= 400 and < 600 ? (int)c : 403;
        var message = JsonRead.String(status, "message") is { Length: > 0 } m ? $": {m}" : JsonRead.String(status, "reason") is { Length: > 0 } r ? $": {r}" : " without explanation";
        throw new KubernetesApiStandInException(code, JsonRead.String(status, "reason") ?? ReasonOf(code), $"admission webhook \"{webhook.Name}\" denied the request{message}");
    }

    private static bool Trusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection? roots)
    {
        if (roots is null)
        {
            return errors == SslPolicyErrors.None;
        }

        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    // What kubectl's discovery reads: the groups, versions and resources served.
    private JsonObject? Discovery(string path)
    {
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        List<ApiResource> resources;
        lock (_gate)
        {
            resources = [.. _resources];
        }

        switch (parts)
        {
            case ["version"]:
                return new JsonObject { ["major"] = "1", ["minor"] = "30", ["gitVersion"] = "v1.30.0-stand-in", ["platform"] = "linux/amd64" };
            case ["api"]:
                return new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"), ["serverAddressByClientCIDRs"] = new JsonArray() };
            case ["api", var version]:
                return ResourceList(resources.Where(r => r.Group.Length == 0 && r.Version == version).ToList(), version);
            case ["apis"]:
                return new JsonObject
                {
                    ["kind"] = "APIGroupList",
                    ["apiVersion"] = "v1",
                    ["groups"] = new JsonArray([.. resources.Where(r => r.Group.Length > 0).GroupBy(r => r.Group).Select(g =>
                    {
                        var versions = g.Select(r => r.Version).Distinct().Select(v => (JsonNode)new JsonObject { ["groupVersion"] = $"{g.Key}/{v}", ["version"] = v }).ToList();
                        return (JsonNode)new JsonObject { ["name"] = g.Key, ["versions"] = new JsonArray([.. versions]), ["preferredVersion"] = versions[0].DeepClone() };
                    })]),
                };
            case ["apis", var group, var version]:
                var served = resources.Where(r => r.Group == group && r.Version == version).ToList();
                return served.Count == 0 ? null : ResourceList(served, $"{group}/{version}");
            default:
                return null;
        }

        static JsonObject ResourceList(List<ApiResource> served, string groupVersion)
        {
            var list = new JsonArray();
            foreach (var r in served)
            {
                list.Add(new JsonObject
                {
                    ["name"] = r.Plural,
                    ["singularName"] = r.Kind.ToLowerInvariant(),
                    ["namespaced"] = true,
                    ["kind"] = r.Kind,
                    ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
                    ["shortNames"] = new JsonArray([.. ShortNames(r.Plural).Select(n => (JsonNode)n)]),
                });
                if (r.HasStatusSubresource)
                {
                    list.Add(new JsonObject { ["name"] = $"{r.Plural}/status", ["singularName"] = "", ["namespaced"] = true, ["kind"] = r.Kind, ["verbs"] = new JsonArray("get", "patch", "update") });
                }
            }

            return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = groupVersion, ["resources"] = list };
        }

        // The short names the real API server (and the CRD) give, so `kubectl get vvpdep` works as in a cluster.
        static string[] ShortNames(string plural) => plural switch
        {
            "vvpdeployments" => ["vvpdep"],
            "configmaps" => ["cm"],
            "events" => ["ev"],
            _ => [],
        };
    }

    // A fieldSelector as the API server reads it: terms joined by ',', each 'path=value', 'path==value' or 'path!=value'
    // over the object's fields (metadata.name, involvedObject.name, …); an absent field is the empty string.
    private static Func<JsonObject, bool>? Selector(Microsoft.Extensions.Primitives.StringValues selector)
    {
        var terms = new List<(string[] Path, string Value, bool Equal)>();
        foreach (var term in selector.SelectMany(s => (s ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)))
        {
            var negated = term.Contains("!=", StringComparison.Ordinal);
            var parts = negated ? term.Split("!=", 2) : term.Split('=', 2);
            if (parts.Length != 2 || parts[0].Length == 0)
            {
                throw new KubernetesApiStandInException(400, "BadRequest", $"invalid field selector term: {term}");
            }

            terms.Add((parts[0].Split('.'), parts[1].TrimStart('='), !negated));
        }

        return terms.Count == 0 ? null : obj => terms.All(t => ((JsonRead.String(obj, t.Path) ?? JsonRead.At(obj, t.Path)?.ToString() ?? "") == t.Value) == t.Equal);
    }

    private bool TryRoute(string path, out ApiResource resource, out string ns, out string? name, out string? subresource)
    {
        resource = null!;
        ns = "";
        name = null;
        subresource = null;
        var parts = path.Trim('/').Split('/');
        int at;
        string group;
        string version;
        if (parts.Length >= 5 && parts[0] == "api")
        {
            (group, version, at) = ("", parts[1], 2);
        }
        else if (parts.Length >= 6 && parts[0] == "apis")
        {
            (group, version, at) = (parts[1], parts[2], 3);
        }
        else
        {
            return false;
        }

        if (parts[at] != "namespaces" || parts.Length > at + 5)
        {
            return false;
        }

        ns = Uri.UnescapeDataString(parts[at + 1]);
        var plural = parts[at + 2];
        lock (_gate)
        {
            resource = _resources.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural)!;
        }

        if (resource is null)
        {
            return false;
        }

        name = parts.Length > at + 3 ? Uri.UnescapeDataString(parts[at + 3]) : null;
        subresource = parts.Length > at + 4 ? parts[at + 4] : null;
        return subresource is null || (subresource == "status" && resource.HasStatusSubresource);
    }

    private JsonObject? Find(ApiResource resource, string ns, string name) =>
        _objects.TryGetValue((resource, ns, name), out var found) ? found : null;

    // A list, or one page of it (limit and continue, as the API server pages: the continue token carries the revision the
    // first page was taken at and the last name given; the items after it are the current ones).
    private JsonObject ListCore(ApiResource resource, string ns, Func<JsonObject, bool>? selected = null, (int Limit, string? After, string? Revision)? page = null)
    {
        var items = _objects.Where(o => o.Key.Type == resource && o.Key.Namespace == ns && (selected is null || selected(o.Value)))
            .OrderBy(o => o.Key.Name, StringComparer.Ordinal)
            .Where(o => page?.After is not { } after || string.CompareOrdinal(o.Key.Name, after) > 0)
            .ToList();
        var revision = page?.Revision ?? _revision.ToString(CultureInfo.InvariantCulture);
        var metadata = new JsonObject { ["resourceVersion"] = revision };
        if (page is { Limit: > 0 } paged && items.Count > paged.Limit)
        {
            var remaining = items.Count - paged.Limit;
            items = items[..paged.Limit];
            metadata["continue"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{revision}\n{items[^1].Key.Name}"));
            metadata["remainingItemCount"] = remaining;
        }

        return new JsonObject
        {
            ["apiVersion"] = resource.ApiVersion,
            ["kind"] = resource.Kind + "List",
            ["metadata"] = metadata,
            ["items"] = new JsonArray([.. items.Select(o => o.Value.DeepClone())]),
        };
    }

    private static (int Limit, string? After, string? Revision)? Page(IQueryCollection query)
    {
        var limit = query["limit"] is { Count: > 0 } l && int.TryParse(l[0], CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : 0;
        if (query["continue"] is not { Count: > 0 } c || string.IsNullOrEmpty(c[0]))
        {
            return limit > 0 ? (limit, null, null) : null;
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(c[0]!)).Split('\n', 2);
            return (limit, parts[1], parts[0]);
        }
        catch (Exception ex) when (ex is FormatException or IndexOutOfRangeException)
        {
            throw new KubernetesApiStandInException(400, "BadRequest", "the continue token is not valid");
        }
    }

    private JsonObject CreateCore(ApiResource resource, string ns, JsonObject obj)
    {
        var metadata = obj["metadata"] as JsonObject ?? [];
        obj["metadata"] = metadata;
        var name = JsonRead.String(metadata, "name");
        if (string.IsNullOrEmpty(name))
        {
            var prefix = JsonRead.String(metadata, "generateName") ?? throw Invalid("metadata.name or metadata.generateName is required");
            name = prefix + (++_uids).ToString("x5", CultureInfo.InvariantCulture);
        }

        if (JsonRead.String(metadata, "namespace") is { } stated && stated != ns)
        {
            throw Invalid($"the namespace of the object ({stated}) does not match the namespace of the request ({ns})");
        }

        if (Find(resource, ns, name) is not null)
        {
            throw new KubernetesApiStandInException(409, "AlreadyExists", $"{resource.Plural} \"{name}\" already exists");
        }

        obj["apiVersion"] = resource.ApiVersion;
        obj["kind"] = resource.Kind;
        metadata["name"] = name;
        metadata["namespace"] = ns;
        metadata["uid"] = $"00000000-0000-4000-9000-{++_uids:D12}";
        metadata["creationTimestamp"] = Now();
        metadata.Remove("deletionTimestamp");
        if (resource.HasStatusSubresource)
        {
            metadata["generation"] = 1;
            obj.Remove("status");
        }

        return Write(resource, ns, name, obj, "ADDED");
    }

    private JsonObject UpdateCore(ApiResource resource, string ns, string name, JsonObject obj, bool status)
    {
        var stored = Find(resource, ns, name) ?? throw NotFound(resource, name);
        var storedMetadata = (JsonObject)stored["metadata"]!;
        var metadata = obj["metadata"] as JsonObject ?? [];
        if (JsonRead.String(metadata, "name") is { } stated && stated != name)
        {
            throw Invalid($"the name of the object ({stated}) does not match the name in the path ({name})");
        }

        if (JsonRead.String(metadata, "resourceVersion") is { Length: > 0 } version && version != JsonRead.String(storedMetadata, "resourceVersion"))
        {
            throw new KubernetesApiStandInException(409, "Conflict",
                $"Operation cannot be fulfilled on {resource.Plural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
        }

        JsonObject next;
        if (status)
        {
            next = (JsonObject)stored.DeepClone();
            next["status"] = obj["status"]?.DeepClone();
        }
        else
        {
            next = (JsonObject)obj.DeepClone();
            var nextMetadata = next["metadata"] as JsonObject ?? [];
            next["metadata"] = nextMetadata;
            foreach (var key in new[] { "uid", "creationTimestamp", "deletionTimestamp", "generation", "namespace", "name" })
            {
                nextMetadata[key] = storedMetadata[key]?.DeepClone();
                if (nextMetadata[key] is null)
                {
                    nextMetadata.Remove(key);
                }
            }

            next["apiVersion"] = resource.ApiVersion;
            next["kind"] = resource.Kind;
            if (resource.HasStatusSubresource)
            {
                next["status"] = stored["status"]?.DeepClone();
                if (!JsonEquality.Equals(WithoutMetadataAndStatus(stored), WithoutMetadataAndStatus(next)))
                {
                    nextMetadata["generation"] = (JsonRead.Int64(storedMetadata, "generation") ?? 0) + 1;
                }
            }

            if (storedMetadata["deletionTimestamp"] is not null && (nextMetadata["finalizers"] as JsonArray ?? []).Count == 0)
            {
                return Write(resource, ns, name, next, "DELETED", remove: true);
            }
        }

        if (next["status"] is null)
        {
            next.Remove("status");
        }

        return Write(resource, ns, name, next, "MODIFIED");
    }

    private JsonObject PatchCore(ApiResource resource, string ns, string name, JsonNode? patch, string contentType, bool status)
    {
        var stored = Find(resource, ns, name) ?? throw NotFound(resource, name);
        JsonNode? patched;
        if (contentType.StartsWith("application/json-patch+json", StringComparison.Ordinal))
        {
            patched = JsonPatch.Parse(patch).Apply(stored);
        }
        else if (contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal) ||
                 contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
        {
            patched = JsonMergePatch.Apply(stored, patch);
        }
        else
        {
            throw new KubernetesApiStandInException(415, "UnsupportedMediaType", $"the body of the request was in an unknown format: {contentType}");
        }

        if (patched is not JsonObject next)
        {
            throw Invalid("the patch does not leave an object");
        }

        // A patch that states a resourceVersion is conditional on it, as an update is; one that does not is applied to the latest.
        if (next["metadata"] is JsonObject metadata && JsonRead.String(patch, "metadata", "resourceVersion") is null && patch is not JsonArray)
        {
            metadata["resourceVersion"] = stored["metadata"]!["resourceVersion"]!.DeepClone();
        }

        return UpdateCore(resource, ns, name, next, status);
    }

    private JsonObject DeleteCore(ApiResource resource, string ns, string name)
    {
        var stored = Find(resource, ns, name) ?? throw NotFound(resource, name);
        var metadata = (JsonObject)stored["metadata"]!;
        if ((metadata["finalizers"] as JsonArray ?? []).Count > 0)
        {
            if (metadata["deletionTimestamp"] is not null)
            {
                return stored;
            }

            var next = (JsonObject)stored.DeepClone();
            var nextMetadata = (JsonObject)next["metadata"]!;
            nextMetadata["deletionTimestamp"] = Now();
            if (resource.HasStatusSubresource)
            {
                nextMetadata["generation"] = (JsonRead.Int64(metadata, "generation") ?? 0) + 1;
            }

            return Write(resource, ns, name, next, "MODIFIED");
        }

        return Write(resource, ns, name, (JsonObject)stored.DeepClone(), "DELETED", remove: true);
    }

    private JsonObject Write(ApiResource resource, string ns, string name, JsonObject obj, string type, bool remove = false)
    {
        if (_dryRun)
        {
            // A dry run answers what would be stored and changes nothing.
            return obj;
        }

        _revision++;
        ((JsonObject)obj["metadata"]!)["resourceVersion"] = _revision.ToString(CultureInfo.InvariantCulture);
        if (remove)
        {
            _objects.Remove((resource, ns, name));
        }
        else
        {
            _objects[(resource, ns, name)] = obj;
        }

        var snapshot = (JsonObject)obj.DeepClone();
        var line = new JsonObject { ["type"] = type, ["object"] = snapshot }.ToJsonString(Compact0);
        _history.AddLast(new Change(_revision, resource, ns, snapshot, line));
        while (_history.Count > HistoryLimit)
        {
            _compactedAt = _history.First!.Value.Revision;
            _history.RemoveFirst();
        }

        foreach (var watcher in _watchers)
        {
            if (watcher.Resource == resource && watcher.Namespace == ns && (watcher.Selected is null || watcher.Selected(snapshot)))
            {
                watcher.Lines.Writer.TryWrite(line);
            }
        }

        return obj;
    }

    private async Task WatchAsync(HttpContext context, ApiResource resource, string ns, Func<JsonObject, bool>? selected)
    {
        var from = context.Request.Query["resourceVersion"] is { Count: > 0 } v && long.TryParse(v[0], CultureInfo.InvariantCulture, out var parsed) && parsed > 0 ? parsed : (long?)null;
        var timeout = context.Request.Query["timeoutSeconds"] is { Count: > 0 } t && int.TryParse(t[0], CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : Timeout.InfiniteTimeSpan;
        var watcher = new Watcher(resource, ns, selected);
        lock (_gate)
        {
            if (from is { } version && version < _compactedAt)
            {
                var gone = new JsonObject
                {
                    ["type"] = "ERROR",
                    ["object"] = StatusObject(410, "Expired", $"too old resource version: {version} ({_compactedAt})"),
                };
                watcher.Lines.Writer.TryWrite(gone.ToJsonString(Compact0));
                watcher.Lines.Writer.TryComplete();
            }
            else if (from is { } start)
            {
                foreach (var change in _history.Where(c => c.Revision > start && c.Resource == resource && c.Namespace == ns && (selected is null || selected(c.Object))))
                {
                    watcher.Lines.Writer.TryWrite(change.Line);
                }

                _watchers.Add(watcher);
            }
            else
            {
                // No version: the current objects as ADDED events, then what follows.
                foreach (var obj in _objects.Where(o => o.Key.Type == resource && o.Key.Namespace == ns && (selected is null || selected(o.Value))).Select(o => o.Value))
                {
                    watcher.Lines.Writer.TryWrite(new JsonObject { ["type"] = "ADDED", ["object"] = obj.DeepClone() }.ToJsonString(Compact0));
                }

                _watchers.Add(watcher);
            }
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeoutSource.CancelAfter(timeout);
        try
        {
            // The headers go out at once, as the API server sends them, even when no event follows for a while.
            await context.Response.StartAsync(timeoutSource.Token).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(timeoutSource.Token).ConfigureAwait(false);
            await foreach (var line in watcher.Lines.Reader.ReadAllAsync(timeoutSource.Token).ConfigureAwait(false))
            {
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), timeoutSource.Token).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(timeoutSource.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _deliveredEvents);
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away or the watch's timeout passed: the stream ends.
        }
        catch (IOException)
        {
            // The connection broke.
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    private void Record(string verb, ApiResource resource, string resourceName, string ns, string? name, int status)
    {
        lock (_gate)
        {
            _calls.Add(new ApiCall(verb, resource.Group, resourceName, ns, verb is "create" or "list" or "watch" ? null : name, status));
        }
    }

    private static JsonObject WithoutMetadataAndStatus(JsonObject obj) =>
        new(obj.Where(p => p.Key is not ("metadata" or "status" or "apiVersion" or "kind")).Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));

    private string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static KubernetesApiStandInException NotFound(ApiResource resource, string name) =>
        new(404, "NotFound", $"{resource.Plural} \"{name}\" not found");

    private static KubernetesApiStandInException Invalid(string message) => new(422, "Invalid", message);

    private static string ReasonOf(int status) => status switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        410 => "Expired",
        422 => "Invalid",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "InternalError",
    };

    private static JsonObject StatusObject(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    private static async Task WriteStatusAsync(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        if (code == 429)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        try
        {
            await context.Response.WriteAsync(StatusObject(code, reason, message).ToJsonString(Compact0), context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    private sealed record Change(long Revision, ApiResource Resource, string Namespace, JsonObject Object, string Line);

    private sealed class Watcher(ApiResource resource, string ns, Func<JsonObject, bool>? selected = null)
    {
        public ApiResource Resource { get; } = resource;

        public string Namespace { get; } = ns;

        public Func<JsonObject, bool>? Selected { get; } = selected;

        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>();
    }
}

/// <summary>An answer other than success from <see cref="KubernetesApiStandIn"/>'s direct methods.</summary>
public sealed class KubernetesApiStandInException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="reason">The Kubernetes reason (<c>NotFound</c>, <c>Conflict</c>, …).</param>
    /// <param name="message">The message.</param>
    public KubernetesApiStandInException(int statusCode, string reason, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Reason = reason;
    }

    /// <summary>The HTTP status.</summary>
    public int StatusCode { get; }

    /// <summary>The Kubernetes reason.</summary>
    public string Reason { get; }
}
