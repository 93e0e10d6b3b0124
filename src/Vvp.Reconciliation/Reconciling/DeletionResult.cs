namespace Vvp.Reconciliation.Reconciling;

/// <summary>What one step of a CR's deletion did, and whether the host may let the CR go.</summary>
public sealed record DeletionResult
{
    /// <summary>True when the deletion is complete: the host removes its finalizer and lets the CR go.</summary>
    public bool Finished { get; init; }

    /// <summary>When to look again while <see cref="Finished"/> is false; never <see langword="null"/> then.</summary>
    public TimeSpan? RequeueAfter { get; init; }

    /// <summary>How many writes were sent to the platform (cancel, delete).</summary>
    public int Writes { get; init; }

    /// <summary>Events to record on the CR.</summary>
    public IReadOnlyList<ReconcileEvent> Events { get; init; } = [];
}
