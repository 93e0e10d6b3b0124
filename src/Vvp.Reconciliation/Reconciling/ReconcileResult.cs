using System.Text.Json.Nodes;
using Vvp.Reconciliation.Planning;

namespace Vvp.Reconciliation.Reconciling;

/// <summary>
/// What a reconcile did and what the host must do: write the status (when <see cref="StatusChanged"/>),
/// write the spec update (when there is one), record the events, and look again after <see cref="RequeueAfter"/>.
/// </summary>
public sealed record ReconcileResult
{
    /// <summary>The CR status to write; the CR's current one when nothing changed.</summary>
    public JsonObject? Status { get; init; }

    /// <summary>True when <see cref="Status"/> differs from the CR's current status.</summary>
    public bool StatusChanged { get; init; }

    /// <summary>The CR <c>spec</c> to write back, or <see langword="null"/>.</summary>
    public JsonObject? SpecUpdate { get; init; }

    /// <summary>Events to record on the CR.</summary>
    public IReadOnlyList<ReconcileEvent> Events { get; init; } = [];

    /// <summary>When to reconcile again; <see langword="null"/> leaves it to the host's resync period.</summary>
    public TimeSpan? RequeueAfter { get; init; }

    /// <summary>The last plan the reconcile acted on, or <see langword="null"/> when it did not plan (ignored namespace, no credential).</summary>
    public Plan? Plan { get; init; }

    /// <summary>The writes sent to the platform during this reconcile (create, patch, replace, delete, savepoint).</summary>
    public int Writes { get; init; }

    /// <summary>For a deletion: true when the deletion is complete and the host may let the CR go.</summary>
    public bool DeletionFinished { get; init; }

    /// <summary>True when the CR's namespace is not watched: nothing was done.</summary>
    public bool Ignored { get; init; }
}
