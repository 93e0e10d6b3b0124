using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Reconciling;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>A custom resource by namespace and name: what the work queue holds.</summary>
internal readonly record struct ResourceKey(string Namespace, string Name);

/// <summary>What handling one key asks of the loop.</summary>
/// <param name="RequeueAfter">When to handle the key again; <see langword="null"/> leaves it to the next change or resync.</param>
/// <param name="Gone">True when the object no longer exists: the key leaves the queue.</param>
internal readonly record struct KeyResult(TimeSpan? RequeueAfter, bool Gone = false)
{
    public static KeyResult Removed => new(null, Gone: true);
}

/// <summary>Handles one key at a time; it never sees the queue (controller-runtime's <c>Reconciler</c>).</summary>
internal interface IKeyHandler
{
    Task<KeyResult> HandleAsync(ResourceKey key, ReconcileTrigger trigger, CancellationToken cancellationToken);
}

/// <summary>
/// The generic loop, as controller-runtime's <c>controller.go</c> runs it: informers fill caches and report changes;
/// changed keys go into a work queue that deduplicates them and never hands one key to two workers; a bounded number
/// of workers hand each key to the <see cref="IKeyHandler"/> and act on its answer — forget the key's backoff, requeue
/// it after a delay, drop it when gone, or back it off when handling threw. A timer adds every key once per resync
/// period, marked as a resync. It decides nothing about what a key means.
/// </summary>
internal sealed class ControllerLoop : IDisposable
{
    private readonly IReadOnlyList<Informer> _informers;
    private readonly Func<IEnumerable<ResourceKey>> _keys;
    private readonly IKeyHandler _handler;
    private readonly WorkQueue<ResourceKey> _queue;
    private readonly ConcurrentDictionary<ResourceKey, bool> _resyncKeys = new();
    private readonly Action? _beginResync;
    private readonly Action? _endResync;

    // Resync keys taken by a worker and not yet done: the resync is over when none is left and none waits.
    private int _resyncsInFlight;
    private readonly int _workers;
    private readonly TimeSpan _resyncPeriod;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VvpOperatorHealth _health;
    private readonly TimeSpan _staleAfter;
    private readonly ControllerMetrics? _metrics;

    /// <param name="informers">Every informer the handler reads from; a term starts work once each has listed.</param>
    /// <param name="keys">Every key in the caches, for the first pass of a term and for each resync.</param>
    /// <param name="handler">Handles one key.</param>
    /// <param name="beginResync">Called before each resync adds its keys.</param>
    /// <param name="endResync">Called when the last key of a resync has been handled (what the resync read can go).</param>
    /// <param name="options">Workers, resync period and the queue's backoff.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="health">Told when caches are synced, when a term ends, and of every handled key.</param>
    /// <param name="metrics">The controller's instruments; none when omitted.</param>
    public ControllerLoop(
        IReadOnlyList<Informer> informers,
        Func<IEnumerable<ResourceKey>> keys,
        IKeyHandler handler,
        Action? beginResync,
        Action? endResync,
        VvpOperatorOptions options,
        TimeProvider time,
        ILogger logger,
        VvpOperatorHealth health,
        ControllerMetrics? metrics = null)
    {
        _informers = informers;
        _keys = keys;
        _handler = handler;
        _beginResync = beginResync;
        _endResync = endResync;
        _workers = options.Workers;
        _resyncPeriod = options.ResyncPeriod;
        _staleAfter = options.RetryMaxDelay;
        _time = time;
        _logger = logger;
        _health = health;
        _metrics = metrics;
        // One worker is kept for changes: a resync's keys, which may all wait on one platform LIST, never hold every worker.
        _queue = new WorkQueue<ResourceKey>(time, options.RetryBaseDelay, options.RetryMaxDelay, metrics is null ? null : new QueueObserver(this, metrics), lowLimit: Math.Max(1, _workers - 1));
        metrics?.Observe(() => _queue.Depth, _queue.InFlight, () => _queue.Processing, _workers, () => _health.IsLeading);
    }

    /// <summary>How many keys wait to be handled now.</summary>
    public int Depth => _queue.Depth;

    /// <summary>True when no key is queued, being handled, or waiting for a requeue.</summary>
    public bool IsIdle => _queue.IsIdle;

    /// <summary>A key changed: it is handled as a change, whatever resync it was part of.</summary>
    public void Changed(ResourceKey key)
    {
        _resyncKeys.TryRemove(key, out _);
        _queue.Add(key);
    }

    /// <summary>A key's object was deleted: it leaves the queue.</summary>
    public void Deleted(ResourceKey key)
    {
        _resyncKeys.TryRemove(key, out _);
        _queue.Remove(key);
    }

    /// <summary>Adds every key, marked as a resync, in the work queue's low lane.</summary>
    public void Resync()
    {
        _beginResync?.Invoke();
        // Every key is marked before any is queued: a worker that handles the first keys while later ones were still
        // being added would otherwise find no resync key left and end the resync early (its LISTs dropped, and taken
        // again by the keys that follow).
        var keys = _keys().ToList();
        foreach (var key in keys)
        {
            _resyncKeys[key] = true;
        }

        foreach (var key in keys)
        {
            // Behind every change: a new or edited CR does not wait for the resync of the whole cache.
            _queue.Add(key, resync: true);
        }
    }

    /// <summary>
    /// One term of leadership: runs the informers, waits until each has listed in this term (so no key is handled from a
    /// cache of an earlier term), adds every key, and runs the resync timer and the workers until <paramref name="term"/>
    /// ends; in-flight handling then runs on until <paramref name="work"/> is cancelled.
    /// </summary>
    public async Task RunTermAsync(CancellationToken term, CancellationToken work)
    {
        var listsBefore = _informers.ToDictionary(i => i, i => i.Lists);
        var informers = _informers.Select(i => RunLoggedAsync(() => i.RunAsync(term), "informer")).ToList();
        _health.SetInformers(_informers, _staleAfter);
        var workers = new List<Task>();
        try
        {
            while (listsBefore.Any(p => p.Key.Lists == p.Value))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, term).ConfigureAwait(false);
            }

            _health.SetCachesSynced(true);
            foreach (var key in _keys())
            {
                _queue.Add(key);
            }

            using var resync = _time.CreateTimer(_ => Resync(), null, _resyncPeriod, _resyncPeriod);
            for (var i = 0; i < _workers; i++)
            {
                workers.Add(RunLoggedAsync(() => WorkAsync(term, work), "worker"));
            }

            await Task.Delay(Timeout.InfiniteTimeSpan, _time, term).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (term.IsCancellationRequested)
        {
            // The term ended: in-flight handling finishes within the grace period.
        }
        finally
        {
            _health.SetLeading(false);
            await Task.WhenAll(workers).ConfigureAwait(false);
            await Task.WhenAll(informers).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _queue.Dispose();

    private async Task WorkAsync(CancellationToken term, CancellationToken work)
    {
        while (!term.IsCancellationRequested)
        {
            (bool Ok, ResourceKey Key) item;
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
                await ProcessAsync(item.Key, work).ConfigureAwait(false);
            }
            finally
            {
                _queue.Done(item.Key);
                _health.Beat();
            }
        }
    }

    private async Task ProcessAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        string? result = null;
        var resync = false;
        try
        {
            if (_resyncKeys.ContainsKey(key))
            {
                Interlocked.Increment(ref _resyncsInFlight);
                resync = _resyncKeys.TryRemove(key, out _);
                if (!resync)
                {
                    Interlocked.Decrement(ref _resyncsInFlight);
                }
            }

            var trigger = resync ? ReconcileTrigger.Resync : ReconcileTrigger.Change;
            var handled = await _handler.HandleAsync(key, trigger, cancellationToken).ConfigureAwait(false);
            result = "success";
            if (handled.Gone)
            {
                _queue.Remove(key);
                return;
            }

            _queue.Forget(key);
            if (handled.RequeueAfter is { } after)
            {
                result = "requeue_after";
                _queue.AddAfter(key, after);
            }
        }
        catch (KubernetesApiException ex) when (ex.IsConflict)
        {
            // controller-runtime's "requeue": handled again after a backoff, not an error.
            result = "requeue";
            Log.Conflict(_logger, key.Namespace, key.Name);
            _queue.AddRateLimited(key);
        }
        catch (KubernetesApiException ex) when (ex.IsNotFound)
        {
            result = "success";
            Log.Gone(_logger, key.Namespace, key.Name);
        }
        catch (KubernetesApiException ex)
        {
            result = "error";
            var delay = _queue.AddRateLimited(key);
            Log.KubernetesCallFailed(_logger, key.Namespace, key.Name, ex.Reason, ex.Message, delay.TotalSeconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cut off by a shutdown: neither a result nor an error.
            Log.StoppedByShutdown(_logger, key.Namespace, key.Name);
        }
        catch (Exception ex)
        {
            result = "error";
            var delay = _queue.AddRateLimited(key);
            Log.ReconcileFailed(_logger, ex, key.Namespace, key.Name, delay.TotalSeconds);
        }
        finally
        {
            if (resync && Interlocked.Decrement(ref _resyncsInFlight) == 0 && _resyncKeys.IsEmpty)
            {
                _endResync?.Invoke();
            }

            if (_metrics is { } metrics && result is not null)
            {
                var tag = new KeyValuePair<string, object?>("result", result);
                metrics.Reconciles.Add(1, tag);
                metrics.ReconcileTime.Record(_time.GetElapsedTime(started).TotalSeconds, tag);
                if (result == "error")
                {
                    metrics.ReconcileErrors.Add(1);
                }
            }
        }
    }

    /// <summary>Records the work queue's metrics; a key's wait is tagged with what queued it (a change or a resync).</summary>
    private sealed class QueueObserver(ControllerLoop loop, ControllerMetrics metrics) : IWorkQueueObserver<ResourceKey>
    {
        private static readonly KeyValuePair<string, object?> Change = new("trigger", "change");
        private static readonly KeyValuePair<string, object?> Resync = new("trigger", "resync");

        public void Added() => metrics.Adds.Add(1);

        public void Taken(ResourceKey key, TimeSpan waited) =>
            metrics.QueueDuration.Record(waited.TotalSeconds, loop._resyncKeys.ContainsKey(key) ? Resync : Change);

        public void Finished(TimeSpan worked) => metrics.WorkDuration.Record(worked.TotalSeconds);

        public void Retried() => metrics.Retries.Add(1);
    }

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
