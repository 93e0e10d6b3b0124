namespace Vvp.Reconciliation.Kubernetes;

/// <summary>What a <see cref="WorkQueue{T}"/> reports as it goes, as client-go's queue metrics provider hears it.</summary>
internal interface IWorkQueueObserver<in T>
{
    /// <summary>A key was added (it was not waiting already).</summary>
    void Added();

    /// <summary>A worker took <paramref name="key"/> after it waited <paramref name="waited"/> since it was added.</summary>
    void Taken(T key, TimeSpan waited);

    /// <summary>A worker finished a key it held for <paramref name="worked"/>.</summary>
    void Finished(TimeSpan worked);

    /// <summary>A key was added back after a backoff.</summary>
    void Retried();
}

/// <summary>
/// A work queue keyed by object, as client-go's: a key queued twice is queued once; a key being processed is
/// never handed to a second worker, and one added meanwhile is handed out again when the first is done;
/// delayed adds keep only the earliest pending time per key (no timer chains); failures back off per key,
/// exponentially up to a cap, until <see cref="Forget"/>. Two lanes, as controller-runtime's priority queue: keys a
/// resync adds wait in a low lane, behind every key a change adds, so a new or edited object is not queued behind a
/// resync of the whole cache; a change to a key waiting in the low lane moves it to the front lane. At most
/// <c>lowLimit</c> workers hold low-lane keys at once, so a worker is left for changes even while a resync's reads wait
/// (for a platform LIST, say).
/// </summary>
internal sealed class WorkQueue<T> : IDisposable
    where T : notnull
{
    private readonly object _gate = new();
    private readonly Queue<T> _high = new();
    private readonly Queue<T> _low = new();

    // Keys waiting in the low lane only (a change moves a key out of it: its entry in _low is then skipped).
    private readonly HashSet<T> _waitingLow = [];

    // Keys a resync added while a worker held them: queued in the low lane when the worker is done.
    private readonly HashSet<T> _lowAfterDone = [];
    private readonly HashSet<T> _dirty = [];
    private readonly HashSet<T> _processing = [];

    // Keys workers hold that were taken from the low lane.
    private readonly HashSet<T> _processingLow = [];
    private readonly int _lowLimit;
    private readonly Dictionary<T, (DateTimeOffset Due, ITimer Timer)> _waiting = [];
    private readonly Dictionary<T, int> _failures = [];
    private readonly Dictionary<T, long> _addedAt = [];
    private readonly Dictionary<T, long> _startedAt = [];
    private readonly IWorkQueueObserver<T>? _observer;
    // Completed (and replaced) whenever a waiting worker may find something new: a key queued, a low-lane key done, shut down.
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _time;
    private readonly Backoff _backoff;
    private bool _shutDown;

    /// <param name="time">The clock.</param>
    /// <param name="baseDelay">The first failure's backoff.</param>
    /// <param name="maxDelay">The backoff's cap.</param>
    /// <param name="observer">Told of adds, takes, finished work and retries.</param>
    /// <param name="lowLimit">How many workers may hold low-lane (resync) keys at once.</param>
    public WorkQueue(TimeProvider time, TimeSpan baseDelay, TimeSpan maxDelay, IWorkQueueObserver<T>? observer = null, int lowLimit = int.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lowLimit, 1);
        _lowLimit = lowLimit;
        _time = time;
        _observer = observer;
        _backoff = new Backoff(baseDelay, maxDelay);
    }

    /// <summary>How many keys wait to be handed out now (not counting delayed ones).</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _high.Count + _waitingLow.Count;
            }
        }
    }

    /// <summary>True when no key is queued, being processed, or waiting for a delay.</summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return _high.Count == 0 && _waitingLow.Count == 0 && _processing.Count == 0 && _waiting.Count == 0;
            }
        }
    }

    /// <summary>How many keys wait for a delay to pass.</summary>
    public int Delayed
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// How long work in progress has run: the sum over the keys workers hold (<c>unfinished</c>) and the longest of
    /// them, in seconds.
    /// </summary>
    public (double Unfinished, double Longest) InFlight()
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            double sum = 0, longest = 0;
            foreach (var (_, started) in _startedAt)
            {
                var seconds = _time.GetElapsedTime(started, now).TotalSeconds;
                sum += seconds;
                longest = Math.Max(longest, seconds);
            }

            return (sum, longest);
        }
    }

    /// <summary>How many keys workers hold now.</summary>
    public int Processing
    {
        get
        {
            lock (_gate)
            {
                return _processing.Count;
            }
        }
    }

    /// <summary>Adds a key: in the front lane, or with <paramref name="resync"/> in the low lane behind every change.</summary>
    public void Add(T key, bool resync = false)
    {
        lock (_gate)
        {
            if (_shutDown)
            {
                return;
            }

            if (!_dirty.Add(key))
            {
                // Already queued: a change moves a key out of the low lane (its entry there is skipped).
                if (!resync && _waitingLow.Remove(key))
                {
                    _high.Enqueue(key);
                    Pulse();
                }
                else if (!resync)
                {
                    _lowAfterDone.Remove(key);
                }

                return;
            }

            // The wait is counted from the add, also while a worker still holds the key.
            _addedAt.TryAdd(key, _time.GetTimestamp());
            _observer?.Added();
            if (_processing.Contains(key))
            {
                if (resync)
                {
                    _lowAfterDone.Add(key);
                }

                return;
            }

            Enqueue(key, resync);
        }
    }

    /// <summary>Adds <paramref name="key"/> once <paramref name="delay"/> has passed; an earlier pending add for it wins.</summary>
    public void AddAfter(T key, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(key);
            return;
        }

        lock (_gate)
        {
            if (_shutDown)
            {
                return;
            }

            var due = _time.GetUtcNow() + delay;
            if (_waiting.TryGetValue(key, out var pending))
            {
                if (pending.Due <= due)
                {
                    return;
                }

                pending.Timer.Dispose();
            }

            var timer = _time.CreateTimer(static state => ((WorkQueue<T>)((object[])state!)[0]).Fire((T)((object[])state!)[1]), new object[] { this, key }, delay, Timeout.InfiniteTimeSpan);
            _waiting[key] = (due, timer);
        }
    }

    /// <summary>Adds <paramref name="key"/> after its backoff: base × 2^(failures − 1), capped.</summary>
    /// <returns>The delay chosen.</returns>
    public TimeSpan AddRateLimited(T key)
    {
        TimeSpan delay;
        lock (_gate)
        {
            var failures = _failures.TryGetValue(key, out var count) ? count + 1 : 1;
            _failures[key] = failures;
            delay = _backoff.Delay(failures);
        }

        _observer?.Retried();
        AddAfter(key, delay);
        return delay;
    }

    /// <summary>Clears the key's failure count (it succeeded).</summary>
    public void Forget(T key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
        }
    }

    /// <summary>Forgets everything about a key that no longer exists: its pending delay and failures.</summary>
    public void Remove(T key)
    {
        lock (_gate)
        {
            _failures.Remove(key);
            if (_waiting.Remove(key, out var pending))
            {
                pending.Timer.Dispose();
            }
        }
    }

    /// <summary>Waits for a key; <see langword="false"/> once the queue is shut down.</summary>
    public async Task<(bool Ok, T Key)> GetAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_shutDown)
                {
                    return (false, default!);
                }

                if (TryDequeue(out var key, out var low))
                {
                    Take(key, low);
                    return (true, key);
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Marks a key handed out by <see cref="GetAsync"/> as done; if it was added meanwhile, it is queued again.</summary>
    public void Done(T key)
    {
        TimeSpan? worked = null;
        lock (_gate)
        {
            _processing.Remove(key);
            if (_processingLow.Remove(key) && _waitingLow.Count > 0)
            {
                // A low-lane slot is free again.
                Pulse();
            }

            if (_startedAt.Remove(key, out var started))
            {
                worked = _time.GetElapsedTime(started);
            }

            if (_dirty.Contains(key) && !_shutDown)
            {
                Enqueue(key, _lowAfterDone.Remove(key));
            }
        }

        if (worked is { } held)
        {
            _observer?.Finished(held);
        }
    }

    /// <summary>Stops handing out keys: waiting workers return, pending delays are dropped.</summary>
    public void ShutDown()
    {
        lock (_gate)
        {
            if (_shutDown)
            {
                return;
            }

            _shutDown = true;
            foreach (var (_, pending) in _waiting)
            {
                pending.Timer.Dispose();
            }

            _waiting.Clear();
            _addedAt.Clear();
            _lowAfterDone.Clear();
            Pulse();
        }
    }

    public void Dispose() => ShutDown();

    // Under the lock: hands a dequeued key to a worker.
    private void Take(T key, bool low)
    {
        _dirty.Remove(key);
        _processing.Add(key);
        if (low)
        {
            _processingLow.Add(key);
        }

        var now = _time.GetTimestamp();
        _startedAt[key] = now;
        var waited = _addedAt.Remove(key, out var added) ? _time.GetElapsedTime(added, now) : TimeSpan.Zero;
        _observer?.Taken(key, waited);
    }

    // Under the lock: wakes every waiting worker to look again.
    private void Pulse()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    // Under the lock.
    private void Enqueue(T key, bool low)
    {
        if (low)
        {
            _low.Enqueue(key);
            _waitingLow.Add(key);
        }
        else
        {
            _high.Enqueue(key);
        }

        Pulse();
    }

    // Under the lock: the front lane first; then the low lane while fewer than lowLimit workers hold its keys (an entry of
    // a key a change moved to the front lane is skipped).
    private bool TryDequeue(out T key, out bool low)
    {
        low = false;
        if (_high.TryDequeue(out key!))
        {
            return true;
        }

        if (_processingLow.Count >= _lowLimit)
        {
            return false;
        }

        while (_low.TryDequeue(out key!))
        {
            if (_waitingLow.Remove(key))
            {
                low = true;
                return true;
            }
        }

        return false;
    }

    private void Fire(T key)
    {
        lock (_gate)
        {
            if (!_waiting.Remove(key, out var pending))
            {
                return;
            }

            pending.Timer.Dispose();
        }

        Add(key);
    }
}
