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
/// replicas of its identity, and while leading runs the generic loop (informer caches of the CRs and Secrets, a work
/// queue fed by changes and by a resync timer, a bounded number of workers) over the <c>VvpDeployment</c> host, which
/// reconciles each CR and writes back what the reconciler returns (SEMANTICS §16): spec updates and finalizers as
/// updates carrying the CR's <c>resourceVersion</c>, the status whole through the status subresource and only when it
/// changed; a 409 re-queues the CR. Events are aggregated and rate-limited. <see cref="RunAsync"/> runs until cancelled.
/// </summary>
public sealed class VvpController : IDisposable
{
    /// <summary>
    /// The name of the controller's <see cref="Meter"/>: reconciles by result, reconcile time, the work queue (depth, adds,
    /// queue latency by trigger, work duration, retries, unfinished work), active workers, leadership, writes to CRs by
    /// kind, and Kubernetes API requests by verb and code (docs/observability.md lists them).
    /// </summary>
    public const string MeterName = "Vvp.Reconciliation.Kubernetes";

    /// <summary>The finalizer the controller puts on CRs when the deletion policy is not <see cref="DeletionPolicy.Orphan"/>.</summary>
    public const string Finalizer = "reconciliation.vvp/finalizer";

    private readonly KubernetesApi _api;
    private readonly VvpOperatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ControllerLoop _loop;
    private readonly VvpDeploymentHost _host;
    private readonly ReconcilerTelemetry? _ownedTelemetry;
    private readonly ControllerMetrics _metrics;
    private readonly NamespaceSnapshots? _snapshots;
    private volatile bool _stopping;

    /// <summary>Creates a controller with a reconciler of its own over <paramref name="platform"/>.</summary>
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
        : this(kubernetes, platform, reconciler: null, new SecretCache(), options, loggerFactory, timeProvider, telemetry)
    {
    }

    // With the reconciler a container registered: its Secret reader must be `secrets`, which this controller fills.
    internal VvpController(
        k8s.Kubernetes kubernetes,
        IPlatformClient platform,
        VvpDeploymentReconciler reconciler,
        SecretCache secrets,
        VvpOperatorOptions options,
        ILoggerFactory? loggerFactory,
        TimeProvider? timeProvider)
        : this(kubernetes, platform, (VvpDeploymentReconciler?)reconciler, secrets, options, loggerFactory, timeProvider, telemetry: null)
    {
    }

    private VvpController(
        k8s.Kubernetes kubernetes,
        IPlatformClient platform,
        VvpDeploymentReconciler? reconciler,
        SecretCache secretCache,
        VvpOperatorOptions options,
        ILoggerFactory? loggerFactory,
        TimeProvider? timeProvider,
        ReconcilerTelemetry? telemetry)
    {
        ArgumentNullException.ThrowIfNull(kubernetes);
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = loggers.CreateLogger<VvpController>();
        _metrics = new ControllerMetrics();
        _api = new KubernetesApi(kubernetes, options.KubernetesCallTimeout, _metrics);
        Health = new VvpOperatorHealth(_time);

        var crs = new Dictionary<string, Informer>(StringComparer.Ordinal);
        var secrets = new Dictionary<string, Informer>(StringComparer.Ordinal);
        ControllerLoop? loop = null;
        VvpDeploymentHost? host = null;
        foreach (var ns in options.WatchedNamespaces)
        {
            crs[ns] = new Informer(_api, ResourceType.VvpDeployments, ns, options.WatchTimeout, options.RetryMaxDelay, _time, _logger, (name, obj) => OnCrChanged(loop!, host!, new ResourceKey(ns, name), obj), VvpDeploymentHost.ChangesMoreThanStatus, VvpDeploymentHost.SecretNamed);
            secrets[ns] = new Informer(_api, ResourceType.Secrets, ns, options.WatchTimeout, options.RetryMaxDelay, _time, _logger, (name, _) => OnSecretChanged(loop!, host!, ns, name));
        }

        secretCache.Attach(secrets);
        // Metrics the controller creates itself are its to dispose: a meter left registered keeps everything it measures alive.
        _ownedTelemetry = reconciler is null && telemetry is null ? new ReconcilerTelemetry() : null;
        _snapshots = options.PlatformNamespaceListing == PlatformNamespaceListing.Never ? null : new NamespaceSnapshots(platform, options.PlatformNamespaceListing, _logger);
        reconciler ??= new VvpDeploymentReconciler(platform, options.Reconciler, secretCache, loggers.CreateLogger<VvpDeploymentReconciler>(), _time, telemetry ?? _ownedTelemetry);
        var events = new EventRecorder(_api, _time, _logger, options.EventBurst, options.EventRefill, "vvp-operator", options.HolderIdentity);
        host = new VvpDeploymentHost(_api, crs, reconciler, events, options.DeletionPolicy, options.Reconciler.SpecWriteBack, _snapshots, platform, _metrics.KubernetesWrites, _logger);
        var snapshots = _snapshots;
        loop = new ControllerLoop(
            [.. crs.Values, .. secrets.Values],
            () => crs.SelectMany(p => p.Value.Names.Select(name => new ResourceKey(p.Key, name))),
            host,
            snapshots is null ? null : () => snapshots.BeginResync(snapshots.Listing == PlatformNamespaceListing.Auto ? host.ExpectedResyncReads() : null),
            snapshots is null ? null : snapshots.EndResync,
            options,
            _time,
            _logger,
            Health,
            _metrics);
        _host = host;
        _loop = loop;
    }

    /// <summary>What the controller reports about itself (for health probes).</summary>
    public VvpOperatorHealth Health { get; }

    /// <summary>How many reconciles ran.</summary>
    public long Reconciles => _host.Reconciles;

    /// <summary>How many writes the controller made to CRs (spec, status, finalizers); Events and the lease are not counted.</summary>
    public long KubernetesWrites => _host.KubernetesWrites;

    /// <summary>How many platform namespaces' LISTs the controller holds now: only while a resync reads them.</summary>
    internal int PlatformSnapshotsHeld => _snapshots?.Held ?? 0;

    /// <summary>How many resync keys needed no reconcile (<see cref="VvpDeploymentHost.UnchangedResyncs"/>).</summary>
    internal long UnchangedResyncs => _host.UnchangedResyncs;

    /// <summary>How many keys were handled: reconciles, and resync keys that needed none.</summary>
    internal long KeysHandled => _host.Reconciles + _host.UnchangedResyncs;

    /// <summary>How many CRs have a record of their last quiet resync.</summary>
    internal int UnchangedRecords => _host.UnchangedRecords;

    /// <summary>How many LISTs of platform namespaces resyncs made (<see cref="VvpOperatorOptions.PlatformNamespaceListing"/>).</summary>
    public long PlatformNamespaceLists => _snapshots?.Lists ?? 0;

    /// <summary>How many CRs wait in the work queue now.</summary>
    public int QueueDepth => _loop.Depth;

    /// <summary>True when no CR is queued, being reconciled, or waiting for a requeue (for tests and benchmarks).</summary>
    internal bool IsIdle => _loop.IsIdle;

    /// <summary>
    /// Runs the controller until <paramref name="cancellationToken"/> is cancelled: then in-flight reconciles get
    /// <see cref="VvpOperatorOptions.ShutdownGrace"/> to finish and the lease is released.
    /// </summary>
    /// <param name="cancellationToken">Stops the controller (SIGTERM).</param>
    /// <returns>A task that completes when the controller has stopped.</returns>
    /// <exception cref="NamespaceLockException">A watched namespace is owned by another operator identity.</exception>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (_options.ShutdownGrace > _options.LeaseDuration - _options.RetryPeriod)
        {
            Log.GraceCapped(_logger, _options.ShutdownGrace.TotalSeconds, (_options.LeaseDuration - _options.RetryPeriod).TotalSeconds);
        }

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
        _loop.Dispose();
        _metrics.Dispose();
        _ownedTelemetry?.Dispose();
    }

    private async Task ClaimNamespacesAsync(CancellationToken cancellationToken)
    {
        // Every namespace is looked at before any is claimed: an identity refused for one claims none (a lock, once
        // written, lasts forever). Only two identities claiming at the same moment can still split namespaces.
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var ns in _options.WatchedNamespaces)
        {
            if (await RetriedAsync(ns, ct => NamespaceLock.HolderAsync(_api, ns, ct), cancellationToken).ConfigureAwait(false) is { } holder && holder != _options.Identity)
            {
                refused[ns] = holder;
            }
        }

        if (refused.Count == 0)
        {
            foreach (var ns in _options.WatchedNamespaces)
            {
                if (await RetriedAsync(ns, ct => NamespaceLock.ClaimAsync(_api, ns, _options.Identity, _time, ct), cancellationToken).ConfigureAwait(false) is { } holder)
                {
                    refused[ns] = holder;
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

    // A lock call, retried with backoff while the API is unavailable or refuses (RBAC being set up).
    private async Task<string?> RetriedAsync(string ns, Func<CancellationToken, Task<string?>> call, CancellationToken cancellationToken)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                return await call(cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException ex) when (KubernetesApi.IsTransient(ex) || ex.StatusCode is 401 or 403)
            {
                var delay = new Backoff(TimeSpan.FromMilliseconds(500), _options.RetryMaxDelay, Jitter: 0.2).Delay(failures + 1);
                Log.LockNotClaimedYet(_logger, ns, ex.Reason, ex.Message, delay.TotalSeconds);
                Health.Beat();
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // One term of leadership: the loop runs until the term ends, then in-flight reconciles finish within the grace.
    private async Task LeadAsync(CancellationToken term)
    {
        Health.SetLeading(true);
        using var work = new CancellationTokenSource();
        // In-flight reconciles end before another replica may lead: after a stop, the lease was renewed at most a
        // retry period ago; after a lost renewal, the renew deadline has already passed.
        using var graceOnStop = term.Register(() => work.CancelAfter(_stopping
            ? Min(_options.ShutdownGrace, _options.LeaseDuration - _options.RetryPeriod)
            : _options.LeaseDuration - _options.RenewDeadline));
        await _loop.RunTermAsync(term, work.Token).ConfigureAwait(false);
    }

    // A changed CR is reconciled against the platform as it is now, not against a resync's list.
    private static void OnCrChanged(ControllerLoop loop, VvpDeploymentHost host, ResourceKey key, JsonObject? obj)
    {
        if (obj is null)
        {
            loop.Deleted(key);
            host.Forget(key);
            return;
        }

        loop.Changed(key);
    }

    private static void OnSecretChanged(ControllerLoop loop, VvpDeploymentHost host, string ns, string secretName)
    {
        foreach (var key in host.NamingSecret(ns, secretName))
        {
            loop.Changed(key);
        }
    }

    /// <summary>Resyncs now, as the resync timer does (for benchmarks).</summary>
    internal void ResyncNow() => _loop.Resync();

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
