using System.Text.Json.Nodes;
using Vvp.Reconciliation.Planning;

namespace Vvp.Reconciliation.Reconciling;

/// <summary>
/// What a reconcile did and what the host must do: write the status (when <see cref="StatusChanged"/>),
/// write the spec update (when there is one), record the events, and look again after <see cref="RequeueAfter"/>.
/// </summary>
public sealed record ReconcileResult
{
    /// <summary>What the reconcile ended in; <see cref="Outcomes.Of"/> says what it means.</summary>
    public required ReconcileOutcome Outcome { get; init; }

    /// <summary>True when the reconcile failed (see <see cref="OutcomeTraits.IsFailure"/>); an idle, ignored or vanished CR is no failure.</summary>
    public bool IsFailure => Outcomes.Of(Outcome).IsFailure;

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

    /// <summary>How many writes were sent to the platform during this reconcile (create, patch, replace, savepoint, record).</summary>
    public int Writes { get; init; }
}
