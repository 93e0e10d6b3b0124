using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// The <c>VvpDeployment</c> controller: it claims each watched namespace's lock, elects one leader among the
/// replicas of its identity, and while leading keeps informer caches of the CRs and Secrets, feeds changed CRs
/// (and every CR once per resync period) into a work queue, and reconciles them with a bounded number of workers.
/// It writes back what the reconciler returns (SEMANTICS §16): spec updates and finalizers as updates carrying the
/// CR's <c>resourceVersion</c>, the status whole through the status subresource and only when it changed; a 409
/// re-queues the CR. Events are aggregated and rate-limited. <see cref="RunAsync"/> runs until cancelled.
/// </summary>
public sealed class VvpController : IDisposable
{
    /// <summary>The name of the controller's <see cref="Meter"/>: work-queue depth, leadership, and writes to CRs by kind.</summary>
    public const string MeterName = "Vvp.Reconciliation.Kubernetes";

    /// <summary>The finalizer the controller puts on CRs when the deletion policy is not <see cref="DeletionPolicy.Orphan"/>.</summary>
    public const string Finalizer = "reconciliation.vvp/finalizer";

    private readonly KubernetesApi _api;
    private readonly VvpOperatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggers;
    private readonly VvpDeploymentReconciler _reconciler;
    private readonly Dictionary<string, Informer> _crs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Informer> _secrets = new(StringComparer.Ordinal);
    private readonly EventRecorder _events;
    private readonly WorkQueue<(string Namespace, string Name)> _queue;
    private readonly ReconcilerTelemetry? _ownedTelemetry;
    private readonly Meter _meter;
    private readonly Counter<long> _writesByKind;
    private readonly NamespaceSnapshots? _snapshots;
    private readonly Func<DeploymentTarget, ApiToken?, CancellationToken, Task<JsonObject?>>? _resyncRead;
    private readonly ConcurrentDictionary<(string Namespace, string Name), bool> _resyncKeys = new();
    private volatile bool _stopping;
    private long _reconciles;
    private long _kubernetesWrites;

    /// <summary>Creates a controller.</summary>
    /// <param name="kubernetes">The Kubernetes client (from a kubeconfig or the in-cluster configuration).</param>
    /// <param name="platform">The platform port, e.g. the REST adapter.</param>
    /// <param name="options">The settings; validated here.</param>
    /// <param name="loggerFactory">Loggers; none when omitted.</param>
    /// <param name="timeProvider">The clock; the system clock when omitted.</param>
    /// <param name="telemetry">The reconciler's metrics; private ones when omitted.</param>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public VvpController(
        k8s.Kubernetes kubernetes,
        IPlatformClient platform,
        VvpOperatorOptions options,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        ReconcilerTelemetry? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(kubernetes);
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _loggers = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger<VvpController>();
        _api = new KubernetesApi(kubernetes, options.KubernetesCallTimeout);
        _queue = new WorkQueue<(string, string)>(_time, options.RetryBaseDelay, options.RetryMaxDelay);
        _events = new EventRecorder(_api, _time, _logger, options.EventBurst, options.EventRefill, "vvp-operator");
        Health = new VvpOperatorHealth(_time);
        _meter = new Meter(MeterName);
        _writesByKind = _meter.CreateCounter<long>("vvp.operator.kubernetes.writes", unit: "{write}", description: "Writes to CRs, by kind (spec, status, finalizer).");
        _meter.CreateObservableGauge("vvp.operator.queue.depth", () => _queue.Depth, unit: "{cr}", description: "CRs waiting in the work queue to be reconciled now.");
        _meter.CreateObservableGauge("vvp.operator.leading", () => Health.IsLeading ? 1 : 0, description: "1 while this replica leads, 0 otherwise.");
        foreach (var ns in options.WatchedNamespaces)
        {
            _crs[ns] = new Informer(_api, ResourceType.VvpDeployments, ns, options.WatchTimeout, options.RetryMaxDelay, _time, _logger, (name, obj) => OnCrChanged(ns, name, obj), ChangesMoreThanStatus);
            _secrets[ns] = new Informer(_api, ResourceType.Secrets, ns, options.WatchTimeout, options.RetryMaxDelay, _time, _logger, (name, _) => OnSecretChanged(ns, name));
        }

        // Metrics the controller creates itself are its to dispose: a meter left registered keeps everything it measures alive.
        _ownedTelemetry = telemetry is null ? new ReconcilerTelemetry() : null;
        _snapshots = options.ListPlatformNamespaces ? new NamespaceSnapshots(platform) : null;
        _resyncRead = _snapshots is null ? null : _snapshots.ReadAsync;
        _reconciler = new VvpDeploymentReconciler(platform, options.Reconciler, new SecretCache(_secrets), _loggers.CreateLogger<VvpDeploymentReconciler>(), _time, telemetry ?? _ownedTelemetry);
    }

    /// <summary>What the controller reports about itself (for health probes).</summary>
    public VvpOperatorHealth Health { get; }

    /// <summary>How many reconciles ran.</summary>
    public long Reconciles => Interlocked.Read(ref _reconciles);

    /// <summary>How many writes the controller made to CRs (spec, status, finalizers); Events and the lease are not counted.</summary>
    public long KubernetesWrites => Interlocked.Read(ref _kubernetesWrites);

    /// <summary>How many LISTs of platform namespaces resyncs made (<see cref="VvpOperatorOptions.ListPlatformNamespaces"/>).</summary>
    public long PlatformNamespaceLists => _snapshots?.Lists ?? 0;

    /// <summary>How many CRs wait in the work queue now.</summary>
    public int QueueDepth => _queue.Depth;

    /// <summary>
    /// Runs the controller until <paramref name="cancellationToken"/> is cancelled: then in-flight reconciles get
    /// <see cref="VvpOperatorOptions.ShutdownGrace"/> to finish and the lease is released.
    /// </summary>
    /// <param name="cancellationToken">Stops the controller (SIGTERM).</param>
    /// <returns>A task that completes when the controller has stopped.</returns>
    /// <exception cref="NamespaceLockException">A watched namespace is owned by another operator identity.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ClaimNamespacesAsync(cancellationToken).ConfigureAwait(false);
            var leaseNamespace = _options.LeaseNamespace ?? _options.WatchedNamespaces[0];
            var elector = new LeaseElector(_api, leaseNamespace, _options.LeaseName, _options.HolderIdentity, _options, _time, _logger, Health.Beat);
            using var stopping = cancellationToken.Register(() => _stopping = true);
            await elector.RunAsync(LeadAsync, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped before the locks were claimed.
        }
        finally
        {
            Health.SetLeading(false);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _queue.Dispose();
        _meter.Dispose();
        _ownedTelemetry?.Dispose();
    }

    private async Task ClaimNamespacesAsync(CancellationToken cancellationToken)
    {
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var ns in _options.WatchedNamespaces)
        {
            for (var failures = 0; ; failures++)
            {
                try
                {
                    if (await NamespaceLock.ClaimAsync(_api, ns, _options.Identity, _time, cancellationToken).ConfigureAwait(false) is { } holder)
                    {
                        refused[ns] = holder;
                    }

                    break;
                }
                catch (KubernetesApiException ex) when (KubernetesApi.IsTransient(ex) || ex.StatusCode is 401 or 403)
                {
                    var delay = TimeSpan.FromMilliseconds(Math.Min(_options.RetryMaxDelay.TotalMilliseconds, 500 * Math.Pow(2, Math.Min(failures, 10))));
                    Log.LockNotClaimedYet(_logger, ns, ex.Reason, ex.Message, delay.TotalSeconds);
                    Health.Beat();
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (refused.Count > 0)
        {
            var failure = new NamespaceLockException(refused, _options.Identity);
            Health.SetFailure(failure.Message);
            Log.NamespacesRefused(_logger, failure.Message);
            throw failure;
        }

        Health.SetLocksHeld(true);
        Log.NamespacesOwned(_logger, _options.Identity, string.Join(", ", _options.WatchedNamespaces));
    }

    // One term of leadership: caches, resync, workers; returns when the term ends.
    private async Task LeadAsync(CancellationToken term)
    {
        Health.SetLeading(true);
        var listsBefore = _crs.Values.Concat(_secrets.Values).ToDictionary(i => i, i => i.Lists);
        var informers = _crs.Values.Concat(_secrets.Values).Select(i => RunLoggedAsync(() => i.RunAsync(term), "informer")).ToList();
        var workers = new List<Task>();
        using var work = new CancellationTokenSource();
        // In-flight reconciles end before another replica may lead: after a stop, the lease was renewed at most a
        // retry period ago; after a lost renewal, the renew deadline has already passed.
        using var graceOnStop = term.Register(() => work.CancelAfter(_stopping
            ? Min(_options.ShutdownGrace, _options.LeaseDuration - _options.RetryPeriod)
            : _options.LeaseDuration - _options.RenewDeadline));
        try
        {
            // Wait until every cache has been listed in this term, so no reconcile reads a cache from an earlier term.
            while (listsBefore.Any(p => p.Key.Lists == p.Value))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, term).ConfigureAwait(false);
            }

            Health.SetCachesSynced(true);
            foreach (var (ns, informer) in _crs)
            {
                foreach (var name in informer.Names)
                {
                    _queue.Add((ns, name));
                }
            }

            using var resync = _time.CreateTimer(_ => Resync(), null, _options.ResyncPeriod, _options.ResyncPeriod);
            for (var i = 0; i < _options.Workers; i++)
            {
                workers.Add(RunLoggedAsync(() => WorkAsync(term, work.Token), "worker"));
            }

            await Task.Delay(Timeout.InfiniteTimeSpan, _time, term).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (term.IsCancellationRequested)
        {
            // The term ended: finish in-flight reconciles within the grace period.
        }
        finally
        {
            Health.SetLeading(false);
            await Task.WhenAll(workers).ConfigureAwait(false);
            await Task.WhenAll(informers).ConfigureAwait(false);
        }
    }

    private async Task WorkAsync(CancellationToken term, CancellationToken work)
    {
        while (!term.IsCancellationRequested)
        {
            (bool Ok, (string Namespace, string Name) Key) item;
            try
            {
                item = await _queue.GetAsync(term).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (!item.Ok)
            {
                return;
            }

            try
            {
                await ProcessAsync(item.Key.Namespace, item.Key.Name, work).ConfigureAwait(false);
            }
            finally
            {
                _queue.Done(item.Key);
                Health.Beat();
            }
        }
    }

    private async Task ProcessAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var key = (ns, name);
        if (!_crs[ns].TryGet(name, out var cr))
        {
            // Deleted: it left the cache and is never acted on again.
            _queue.Remove(key);
            return;
        }

        try
        {
            Interlocked.Increment(ref _reconciles);
            var uid = JsonRead.String(cr, "metadata", "uid");
            var context = new ReconcileContext
            {
                Trigger = _resyncKeys.TryRemove(key, out _) ? ReconcileTrigger.Resync : ReconcileTrigger.Change,
                ConfirmBeforeCreate = ct => CustomResourceExistsAsync(ns, name, uid, ct),
                ResyncRead = _resyncRead,
            };
            var (requeue, gone) = await ReconcileAsync(ns, name, cr, context, cancellationToken).ConfigureAwait(false);
            if (gone)
            {
                // Deleted while the cache still held it: it leaves the cache and is never acted on again.
                _crs[ns].Forget(name);
                _queue.Remove(key);
                Log.Gone(_logger, ns, name);
                return;
            }

            _queue.Forget(key);
            if (requeue is { } after)
            {
                _queue.AddAfter(key, after);
            }
        }
        catch (KubernetesApiException ex) when (ex.IsConflict)
        {
            Log.Conflict(_logger, ns, name);
            _queue.AddRateLimited(key);
        }
        catch (KubernetesApiException ex) when (ex.IsNotFound)
        {
            Log.Gone(_logger, ns, name);
        }
        catch (KubernetesApiException ex)
        {
            var delay = _queue.AddRateLimited(key);
            Log.KubernetesCallFailed(_logger, ns, name, ex.Reason, ex.Message, delay.TotalSeconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Log.StoppedByShutdown(_logger, ns, name);
        }
        catch (Exception ex)
        {
            var delay = _queue.AddRateLimited(key);
            Log.ReconcileFailed(_logger, ex, ns, name, delay.TotalSeconds);
        }
    }

    // Returns the requeue delay the reconciler asked for, if any, and whether the CR turned out to be gone.
    private async Task<(TimeSpan? Requeue, bool Gone)> ReconcileAsync(string ns, string name, JsonObject cr, ReconcileContext context, CancellationToken cancellationToken)
    {
        var informer = _crs[ns];
        var resource = VvpDeploymentResource.FromDocument(cr);
        var finalizers = (JsonRead.Object(cr, "metadata")?["finalizers"] as JsonArray ?? []).Select(f => JsonRead.String(f)).OfType<string>().ToList();
        if (JsonRead.String(cr, "metadata", "deletionTimestamp") is not null)
        {
            if (!finalizers.Contains(Finalizer))
            {
                return (null, false);
            }

            var deletion = await _reconciler.DeleteAsync(resource, cancellationToken).ConfigureAwait(false);
            await RecordEventsAsync(cr, deletion.Events, cancellationToken).ConfigureAwait(false);
            if (!deletion.Finished)
            {
                return (deletion.RequeueAfter, false);
            }

            finalizers.Remove(Finalizer);
            await WriteAsync(informer, ns, name, cr, next => ((JsonObject)next["metadata"]!)["finalizers"] = new JsonArray([.. finalizers.Select(f => (JsonNode)f)]), status: false, "finalizer removed", cancellationToken).ConfigureAwait(false);
            return (null, false);
        }

        if (_options.DeletionPolicy != DeletionPolicy.Orphan && !finalizers.Contains(Finalizer) && _reconciler.IsWatched(ns))
        {
            cr = await WriteAsync(informer, ns, name, cr, next => ((JsonObject)next["metadata"]!)["finalizers"] = new JsonArray([.. finalizers.Append(Finalizer).Select(f => (JsonNode)f)]), status: false, "finalizer added", cancellationToken).ConfigureAwait(false);
        }

        var result = await _reconciler.ReconcileAsync(resource, context, cancellationToken).ConfigureAwait(false);
        switch (result.Outcome)
        {
            case ReconcileOutcome.NotWatched:
                return (null, false);
            case ReconcileOutcome.CustomResourceGone:
                return (null, true);
        }

        if (result.SpecUpdate is { } spec)
        {
            // The whole spec replaced in an update carrying the resourceVersion: keys the reconciler removed are removed.
            cr = await WriteAsync(informer, ns, name, cr, next => next["spec"] = spec.DeepClone(), status: false, "spec updated", cancellationToken).ConfigureAwait(false);
        }

        if (result.StatusChanged && result.Status is { } status && !JsonEquality.Equals(status, cr["status"]))
        {
            // The status replaced whole through the status subresource: keys that vanished vanish.
            await WriteAsync(informer, ns, name, cr, next => next["status"] = status.DeepClone(), status: true, "status updated", cancellationToken).ConfigureAwait(false);
        }

        await RecordEventsAsync(cr, result.Events, cancellationToken).ConfigureAwait(false);
        return (result.RequeueAfter, false);
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

    private void OnCrChanged(string ns, string name, JsonObject? obj)
    {
        // A changed CR is reconciled against the platform as it is now, not against a resync's list.
        _resyncKeys.TryRemove((ns, name), out _);
        if (obj is null)
        {
            _queue.Remove((ns, name));
            return;
        }

        _queue.Add((ns, name));
    }

    // A new version of a CR is acted on unless only its status (or its resourceVersion) changed: a status write,
    // the controller's own above all, asks for no reconcile; the resync still looks at every CR.
    private static bool ChangesMoreThanStatus(JsonObject cached, JsonObject next) =>
        !SameExcept(cached, next, "status", "metadata") ||
        !SameExcept(cached["metadata"] as JsonObject ?? [], next["metadata"] as JsonObject ?? [], "resourceVersion", "managedFields");

    // Whether two objects hold the same members, the ignored ones aside.
    private static bool SameExcept(JsonObject a, JsonObject b, params string[] ignored) =>
        a.Count(p => !ignored.Contains(p.Key)) == b.Count(p => !ignored.Contains(p.Key)) &&
        a.Where(p => !ignored.Contains(p.Key)).All(p => b.TryGetPropertyValue(p.Key, out var other) && JsonEquality.Equals(p.Value, other));

    private void OnSecretChanged(string ns, string secretName)
    {
        if (!_crs.TryGetValue(ns, out var informer))
        {
            return;
        }

        foreach (var name in informer.Names)
        {
            if (informer.TryGet(name, out var cr) && JsonRead.String(cr, "metadata", "annotations", VvpDeploymentResource.ApiKeySecretNameAnnotation) == secretName)
            {
                _queue.Add((ns, name));
            }
        }
    }

    /// <summary>Resyncs now, as the resync timer does (for benchmarks).</summary>
    internal void ResyncNow() => Resync();

    private void Resync()
    {
        _snapshots?.BeginResync();
        foreach (var (ns, informer) in _crs)
        {
            foreach (var name in informer.Names)
            {
                _resyncKeys[(ns, name)] = true;
                _queue.Add((ns, name));
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private async Task RunLoggedAsync(Func<Task> run, string what)
    {
        try
        {
            await run().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
        catch (Exception ex)
        {
            Log.LoopFailed(_logger, ex, what);
        }
    }
}
