namespace Vvp.Reconciliation.Kubernetes;

/// <summary>What a controller reports about itself, for liveness and readiness probes and for tests. Thread-safe.</summary>
public sealed class VvpOperatorHealth
{
    private readonly TimeProvider _time;
    private long _heartbeatTicks;
    private volatile bool _locksHeld;
    private volatile bool _leading;
    private volatile bool _cachesSynced;
    private volatile string? _failure;
    private volatile IReadOnlyList<Informer>? _informers;
    private TimeSpan _relistDelay;

    internal VvpOperatorHealth(TimeProvider time)
    {
        _time = time;
        Beat();
    }

    /// <summary>Whether every watched namespace's lock names this operator.</summary>
    public bool LocksHeld => _locksHeld;

    /// <summary>Whether this replica holds the leader-election Lease (only the leader reconciles).</summary>
    public bool IsLeading => _leading;

    /// <summary>Whether the leader's caches have been filled by their first list.</summary>
    public bool CachesSynced => _cachesSynced;

    /// <summary>Why the controller cannot run (a namespace held by another identity), or <see langword="null"/>.</summary>
    public string? Failure => _failure;

    /// <summary>When the controller's loops last showed progress (a tick of the leader's or standby's loop).</summary>
    public DateTimeOffset LastHeartbeat => new(Interlocked.Read(ref _heartbeatTicks), TimeSpan.Zero);

    /// <summary>Ready: the locks are held and either this replica leads with synced caches, or it is a standby waiting its turn.</summary>
    public bool IsReady => _failure is null && _locksHeld && (!_leading || _cachesSynced);

    /// <summary>
    /// Which of the leader's informers has had no answer from the API (no list, no watch event, no watch's end) for
    /// longer than twice its watch's silence bound and the longest relist delay, or <see langword="null"/>: a cache that
    /// old no longer stands for the cluster.
    /// </summary>
    public string? StaleInformer
    {
        get
        {
            foreach (var informer in _informers ?? [])
            {
                var since = informer.SinceContact;
                if (since > (2 * informer.Silence) + _relistDelay)
                {
                    return $"The informer of {informer.Description} has had no answer from the Kubernetes API for {since.TotalSeconds:0} s.";
                }
            }

            return null;
        }
    }

    /// <summary>Alive: no failure, a loop ticked within <paramref name="stallAfter"/>, and no informer is stale (<see cref="StaleInformer"/>).</summary>
    /// <param name="stallAfter">How long without a tick counts as a stall.</param>
    /// <returns>Whether the controller is alive.</returns>
    public bool IsAlive(TimeSpan stallAfter) => _failure is null && _time.GetUtcNow() - LastHeartbeat <= stallAfter && StaleInformer is null;

    internal void Beat() => Interlocked.Exchange(ref _heartbeatTicks, _time.GetUtcNow().UtcTicks);

    internal void SetLocksHeld(bool value) => _locksHeld = value;

    internal void SetLeading(bool value)
    {
        _leading = value;
        if (!value)
        {
            _cachesSynced = false;
            _informers = null;
        }
    }

    internal void SetInformers(IReadOnlyList<Informer> informers, TimeSpan relistDelay)
    {
        _relistDelay = relistDelay;
        _informers = informers;
    }

    internal void SetCachesSynced(bool value) => _cachesSynced = value;

    internal void SetFailure(string message) => _failure = message;
}
