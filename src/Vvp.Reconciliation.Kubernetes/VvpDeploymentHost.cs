using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// What a <c>VvpDeployment</c> key means: the CR from the cache, its finalizer and deletion policy, the reconcile with an
/// explicit <see cref="ReconcileContext"/>, and the write-back of what the reconciler returns (SEMANTICS §16): spec
/// updates and finalizers as updates carrying the CR's <c>resourceVersion</c>, the status whole through the status
/// subresource and only when it changed, and the Events. It decides no sync rule.
/// </summary>
internal sealed class VvpDeploymentHost : IKeyHandler
{
    private readonly KubernetesApi _api;
    private readonly IReadOnlyDictionary<string, Informer> _crs;
    private readonly VvpDeploymentReconciler _reconciler;
    private readonly EventRecorder _events;
    private readonly DeletionPolicy _deletionPolicy;
    private readonly SpecWriteBack _specWriteBack;
    private readonly NamespaceSnapshots? _snapshots;
    private readonly IPlatformClient _platform;

    // Per CR, what its last quiet resync read (see Unchanged).
    private readonly ConcurrentDictionary<ResourceKey, Unchanged> _unchanged = new();
    private readonly Counter<long> _writesByKind;
    private readonly ILogger _logger;
    private long _reconciles;
    private long _unchangedResyncs;
    private long _kubernetesWrites;

    public VvpDeploymentHost(
        KubernetesApi api,
        IReadOnlyDictionary<string, Informer> crs,
        VvpDeploymentReconciler reconciler,
        EventRecorder events,
        DeletionPolicy deletionPolicy,
        SpecWriteBack specWriteBack,
        NamespaceSnapshots? snapshots,
        IPlatformClient platform,
        Counter<long> writesByKind,
        ILogger logger)
    {
        _api = api;
        _crs = crs;
        _reconciler = reconciler;
        _events = events;
        _deletionPolicy = deletionPolicy;
        _specWriteBack = specWriteBack;
        _snapshots = snapshots;
        _platform = platform;
        _writesByKind = writesByKind;
        _logger = logger;
    }

    /// <summary>How many reconciles (and deletion steps) ran.</summary>
    public long Reconciles => Interlocked.Read(ref _reconciles);

    /// <summary>How many resync keys needed no reconcile: the CR and its deployment were as their last quiet resync read them.</summary>
    public long UnchangedResyncs => Interlocked.Read(ref _unchangedResyncs);

    /// <summary>How many CRs have a record of their last quiet resync.</summary>
    public int UnchangedRecords => _unchanged.Count;

    /// <summary>
    /// How many CRs each platform namespace and token served at their last quiet resync: what the next resync is expected to
    /// read from each (<see cref="NamespaceSnapshots.BeginResync"/>).
    /// </summary>
    public Dictionary<(string Namespace, ApiToken? Token), int> ExpectedResyncReads()
    {
        var expected = new Dictionary<(string Namespace, ApiToken? Token), int>();
        foreach (var (_, last) in _unchanged)
        {
            var key = (last.Target.Namespace, last.Token);
            expected[key] = expected.GetValueOrDefault(key) + 1;
        }

        return expected;
    }

    /// <summary>Forgets what is known of a deleted CR.</summary>
    public void Forget(ResourceKey key) => _unchanged.TryRemove(key, out _);

    /// <summary>How many writes were made to CRs (spec, status, finalizers).</summary>
    public long KubernetesWrites => Interlocked.Read(ref _kubernetesWrites);

    public async Task<KeyResult> HandleAsync(ResourceKey key, ReconcileTrigger trigger, CancellationToken cancellationToken)
    {
        var (ns, name) = key;
        Prefetched? prefetched = null;
        if (trigger != ReconcileTrigger.Resync)
        {
            // A change is reconciled against the platform as it is now: what a resync read no longer counts.
            _unchanged.TryRemove(key, out _);
        }
        else
        {
            bool unchanged;
            (unchanged, prefetched) = await UnchangedAsync(key, cancellationToken).ConfigureAwait(false);
            if (unchanged)
            {
                Interlocked.Increment(ref _unchangedResyncs);
                return new KeyResult(null);
            }
        }

        if (!_crs[ns].TryGet(name, out var cr))
        {
            // Deleted: it left the cache and is never acted on again.
            _unchanged.TryRemove(key, out _);
            return KeyResult.Removed;
        }

        Interlocked.Increment(ref _reconciles);
        // One trace per handling of a key (the reconciler's own activity is its child), and the CR's key on every log
        // line written meanwhile, whichever logger writes it.
        using var activity = ReconcilerTelemetry.ActivitySource.StartActivity("vvp.operator.handle");
        activity?.SetTag("k8s.namespace.name", ns);
        activity?.SetTag("vvp.cr.name", name);
        using var scope = _logger.BeginScope(new CrScope(ns, name, trigger.ToString()));
        var uid = JsonRead.String(cr, "metadata", "uid");
        var read = trigger == ReconcileTrigger.Resync ? new ResyncRead(_snapshots, _platform, prefetched) : null;
        var context = new ReconcileContext
        {
            Trigger = trigger,
            ConfirmBeforeCreate = ct => CustomResourceExistsAsync(ns, name, uid, ct),
            ResyncRead = read is null ? null : read.ReadAsync,
        };
        var (result, quiet) = await ReconcileAsync(ns, name, cr, context, cancellationToken).ConfigureAwait(false);
        if (result.Gone)
        {
            // Deleted while the cache still held it: it leaves the cache and is never acted on again.
            _crs[ns].Forget(name);
            _unchanged.TryRemove(key, out _);
            Log.Gone(_logger, ns, name);
        }
        else if (quiet && read is { Fingerprint: { } fingerprint, Target: { } target } && JsonRead.String(cr, "metadata", "resourceVersion") is { } version)
        {
            _unchanged[key] = new Unchanged(version, target, read.Token, fingerprint);
            if (_crs[ns].VersionOf(name) is null)
            {
                // Deleted meanwhile (its deletion may have forgotten the key before this record was made).
                _unchanged.TryRemove(key, out _);
            }
        }
        else
        {
            _unchanged.TryRemove(key, out _);
        }

        return result;
    }

    // Whether a resync of the CR would redo its last quiet resync: the CR's resourceVersion is the one that reconcile read
    // and its deployment's bytes (in this resync's LIST, or a GET's answer) are the ones it read. The reconcile is a pure
    // function of the two (SEMANTICS §9: the projection of (CR, live, outcome)), so it would again plan nothing, write
    // nothing and record no Event; nothing of the CR is parsed. A CR's change, a change of its token's Secret (queued as
    // a change) or a read that failed makes a full reconcile, which reads again with its retries. A GET whose answer
    // differs is handed to that reconcile (Prefetched), so it is not asked twice.
    private async Task<(bool Unchanged, Prefetched? Read)> UnchangedAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        if (!_unchanged.TryGetValue(key, out var last) || _crs[key.Namespace].VersionOf(key.Name) != last.CrVersion)
        {
            return (false, null);
        }

        if (_snapshots is not null && await _snapshots.ForAsync(last.Target, last.Token, cancellationToken).ConfigureAwait(false) is { } snapshot)
        {
            return (snapshot.TryFind(last.Target.Name, out var listed) &&
                NamespaceSnapshots.Fingerprint(listed.Span).AsSpan().SequenceEqual(last.Fingerprint), null);
        }

        ReadOnlyMemory<byte>? answer;
        try
        {
            answer = await _platform.GetDeploymentAsUtf8Async(last.Target.Namespace, last.Target.Name, last.Token, cancellationToken).ConfigureAwait(false);
        }
        catch (PlatformException)
        {
            return (false, null);
        }

        return answer is { } bytes && NamespaceSnapshots.Fingerprint(bytes.Span).AsSpan().SequenceEqual(last.Fingerprint)
            ? (true, null)
            : (false, new Prefetched(last.Target, last.Token, answer));
    }

    /// <summary>The CRs of <paramref name="ns"/> that name the Secret <paramref name="secretName"/> for their token.</summary>
    public IEnumerable<ResourceKey> NamingSecret(string ns, string secretName)
    {
        if (!_crs.TryGetValue(ns, out var informer))
        {
            yield break;
        }

        foreach (var name in informer.Names)
        {
            if (informer.IndexOf(name) == secretName)
            {
                yield return new ResourceKey(ns, name);
            }
        }
    }

    /// <summary>What the CR informers index: the Secret a CR names for its API token.</summary>
    public static string? SecretNamed(JsonObject cr) => JsonRead.String(cr, "metadata", "annotations", VvpDeploymentResource.ApiKeySecretNameAnnotation);

    /// <summary>
    /// Whether a new version of a CR asks for a reconcile: not when only its status (or its <c>resourceVersion</c>)
    /// changed. A status write, the controller's own above all, asks for none; the resync still looks at every CR.
    /// </summary>
    public static bool ChangesMoreThanStatus(JsonObject cached, JsonObject next) =>
        !SameExcept(cached, next, "status", "metadata") ||
        !SameExcept(cached["metadata"] as JsonObject ?? [], next["metadata"] as JsonObject ?? [], "resourceVersion", "managedFields");

    // Whether two objects hold the same members, the ignored ones aside.
    private static bool SameExcept(JsonObject a, JsonObject b, params string[] ignored) =>
        a.Count(p => !ignored.Contains(p.Key)) == b.Count(p => !ignored.Contains(p.Key)) &&
        a.Where(p => !ignored.Contains(p.Key)).All(p => b.TryGetPropertyValue(p.Key, out var other) && JsonEquality.Equals(p.Value, other));

    // The key's result, and whether the reconcile was quiet: in sync, nothing written anywhere, no Event, no requeue.
    private async Task<(KeyResult Result, bool Quiet)> ReconcileAsync(string ns, string name, JsonObject cr, ReconcileContext context, CancellationToken cancellationToken)
    {
        var informer = _crs[ns];
        // A CR cut where it nests too deeply is read one level past the limit, so the validator names the path; its spec
        // is never written back (the cut would reach the API).
        var truncated = cr[JsonAnswer.TruncatedMember] is not null;
        var resource = VvpDeploymentResource.FromDocument(cr, JsonAnswer.ObjectDepth + 1);
        var finalizers = (JsonRead.Object(cr, "metadata")?["finalizers"] as JsonArray ?? []).Select(f => JsonRead.String(f)).OfType<string>().ToList();
        if (JsonRead.String(cr, "metadata", "deletionTimestamp") is not null)
        {
            if (!finalizers.Contains(VvpController.Finalizer))
            {
                return (new KeyResult(null), false);
            }

            var deletion = await _reconciler.DeleteAsync(resource, cancellationToken).ConfigureAwait(false);
            await RecordEventsAsync(cr, deletion.Events, cancellationToken).ConfigureAwait(false);
            if (!deletion.Finished)
            {
                return (new KeyResult(deletion.RequeueAfter), false);
            }

            finalizers.Remove(VvpController.Finalizer);
            await WriteAsync(informer, ns, name, cr, next => ((JsonObject)next["metadata"]!)["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]), status: false, "finalizer removed", cancellationToken).ConfigureAwait(false);
            return (new KeyResult(null), false);
        }

        var wrote = false;
        if (_deletionPolicy != DeletionPolicy.Orphan && !truncated && !finalizers.Contains(VvpController.Finalizer) && _reconciler.IsWatched(ns))
        {
            cr = await WriteAsync(informer, ns, name, cr, next => ((JsonObject)next["metadata"]!)["finalizers"] = new JsonArray([.. finalizers.Append(VvpController.Finalizer).Select(f => (JsonNode)f)]), status: false, "finalizer added", cancellationToken).ConfigureAwait(false);
            wrote = true;
        }

        var result = await _reconciler.ReconcileAsync(resource, context, cancellationToken).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case ReconcileOutcome.NotWatched:
                return (new KeyResult(null), false);
            case ReconcileOutcome.CustomResourceGone:
                return (KeyResult.Removed, false);
        }

        var specWritten = false;

        // Under specWriteBack: Report the CR's spec is never written: the status reports the update to commit instead.
        if (result.SpecUpdate is { } spec && _specWriteBack == SpecWriteBack.Write && !truncated)
        {
            // The whole spec replaced in an update carrying the resourceVersion: keys the reconciler removed are removed.
            cr = await WriteAsync(informer, ns, name, cr, next => next["spec"] = spec.DeepClone(), status: false, "spec updated", cancellationToken).ConfigureAwait(false);
            specWritten = true;
            wrote = true;
        }

        var status = result.Status;
        if (specWritten && JsonRead.Int64(cr, "metadata", "generation") is { } written && status is not null)
        {
            // The spec this reconcile wrote is the spec it reconciled: its status describes the new generation, so the
            // CR is current at once (SEMANTICS §9), not after the next resync.
            status = WithObservedGeneration(status, written);
        }

        if ((result.StatusChanged || status != result.Status) && status is not null && !JsonEquality.Equals(status, cr["status"]))
        {
            // The status replaced whole through the status subresource: keys that vanished vanish.
            await WriteAsync(informer, ns, name, cr, next => next["status"] = status.DeepClone(), status: true, "status updated", cancellationToken).ConfigureAwait(false);
            wrote = true;
        }

        await RecordEventsAsync(cr, result.Events, cancellationToken).ConfigureAwait(false);
        var quiet = result is { Outcome: ReconcileOutcome.InSync, Writes: 0, SpecUpdate: null, RequeueAfter: null, Events.Count: 0 } && !wrote;
        return (new KeyResult(result.RequeueAfter), quiet);
    }

    /// <summary>
    /// A resync's read of the live deployment, keeping where it read and the fingerprint of what it read: from this
    /// resync's LIST of its platform namespace when one is read (<see cref="VvpOperatorOptions.PlatformNamespaceListing"/>), else the answer of the GET that found
    /// the deployment changed since its last quiet resync, else a GET of its own, as bytes.
    /// </summary>
    private sealed class ResyncRead(NamespaceSnapshots? snapshots, IPlatformClient platform, Prefetched? prefetched)
    {
        public DeploymentTarget? Target { get; private set; }

        public ApiToken? Token { get; private set; }

        public byte[]? Fingerprint { get; private set; }

        public async Task<JsonObject?> ReadAsync(DeploymentTarget target, ApiToken? token, CancellationToken cancellationToken)
        {
            (Target, Token, Fingerprint) = (null, null, null);
            ReadOnlyMemory<byte>? answer;
            if (snapshots is not null && await snapshots.ForAsync(target, token, cancellationToken).ConfigureAwait(false) is { } snapshot)
            {
                // Not in the LIST: gone (no record is made of a read that found nothing).
                if (!snapshot.TryFind(target.Name, out var listed))
                {
                    (Target, Token) = (target, token);
                    return null;
                }

                answer = listed;
            }
            else if (prefetched is { } read && read.Target == target && read.Token == token)
            {
                // Used once: a retry of this read asks the platform again.
                (answer, prefetched) = (read.Answer, null);
            }
            else
            {
                answer = await platform.GetDeploymentAsUtf8Async(target.Namespace, target.Name, token, cancellationToken).ConfigureAwait(false);
            }

            if (answer is not { } bytes)
            {
                return null;
            }

            JsonObject parsed;
            try
            {
                parsed = CompactJson.Read(bytes.Span);
            }
            catch (JsonException ex)
            {
                // An adapter of another making that hands out bytes that are not a JSON object.
                throw new PlatformException(PlatformErrorKind.Protocol, $"The deployment {target} was read as bytes that are not a JSON object: {ex.Message}", null, null, ex);
            }

            (Target, Token, Fingerprint) = (target, token, NamespaceSnapshots.Fingerprint(bytes.Span));
            return parsed;
        }
    }

    /// <summary>The answer of a resync's GET that found a deployment changed since its CR's last quiet resync.</summary>
    private sealed record Prefetched(DeploymentTarget Target, ApiToken? Token, ReadOnlyMemory<byte>? Answer);

    /// <summary>What a quiet resync of a CR read: the CR's resourceVersion, where its deployment is, with which token, and the fingerprint of the deployment's bytes.</summary>
    private sealed record Unchanged(string CrVersion, DeploymentTarget Target, ApiToken? Token, byte[] Fingerprint);

    private static JsonObject WithObservedGeneration(JsonObject status, long generation)
    {
        var next = (JsonObject)status.DeepClone();
        if (next.ContainsKey("observedGeneration"))
        {
            next["observedGeneration"] = generation;
        }

        if (next["customResourceStatus"] is JsonObject custom && custom.ContainsKey("observedGeneration"))
        {
            custom["observedGeneration"] = generation;
        }

        foreach (var condition in (next["conditions"] as JsonArray ?? []).OfType<JsonObject>().Where(c => c.ContainsKey("observedGeneration")))
        {
            condition["observedGeneration"] = generation;
        }

        return next;
    }

    // Whether the CR still exists in the API as the same object (a live read, not the cache): a cache is behind the
    // API by the watch's latency, and a CR deleted meanwhile must never re-create its deployment.
    private async Task<bool> CustomResourceExistsAsync(string ns, string name, string? uid, CancellationToken cancellationToken)
    {
        try
        {
            var current = await _api.GetAsync(ResourceType.VvpDeployments, ns, name, cancellationToken).ConfigureAwait(false);
            return uid is null || JsonRead.String(current, "metadata", "uid") == uid;
        }
        catch (KubernetesApiException ex) when (ex.IsNotFound)
        {
            return false;
        }
    }

    private async Task<JsonObject> WriteAsync(Informer informer, string ns, string name, JsonObject cr, Action<JsonObject> change, bool status, string action, CancellationToken cancellationToken)
    {
        var next = (JsonObject)cr.DeepClone();
        change(next);
        var written = await _api.ReplaceAsync(ResourceType.VvpDeployments, ns, name, next, cancellationToken, status).ConfigureAwait(false);
        Interlocked.Increment(ref _kubernetesWrites);
        _writesByKind.Add(1, new KeyValuePair<string, object?>("kind", status ? "status" : action.StartsWith("finalizer", StringComparison.Ordinal) ? "finalizer" : "spec"));
        informer.Observe(written);
        Log.Wrote(_logger, ns, name, action, JsonRead.String(written, "metadata", "resourceVersion"));
        return written;
    }

    private async Task RecordEventsAsync(JsonObject cr, IReadOnlyList<ReconcileEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            await _events.RecordAsync(cr, e, cancellationToken).ConfigureAwait(false);
        }
    }
}
