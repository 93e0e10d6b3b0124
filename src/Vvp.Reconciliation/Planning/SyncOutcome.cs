using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Planning;

/// <summary>
/// What happened (or is about to happen) in a reconcile, as status projection needs it: the outcome (which gives the
/// <c>Synced</c> condition), whether the live deployment counts as synced (recording generation, resource version and
/// hash), and the initial savepoint state.
/// </summary>
/// <param name="Kind">The outcome.</param>
/// <param name="Message">The condition message for people.</param>
/// <param name="RecordSync">True after a successful write or a verified sync: record the live deployment as the last synced one.</param>
/// <param name="InitialSavepoint">The new <c>initialSavepoint</c> status; <see langword="null"/> keeps the previous one.</param>
/// <param name="LiveUnknown">True when the live deployment was not read (no credential, an invalid CR): the previous observations are kept.</param>
/// <param name="Wrote">True when the live deployment is the platform's answer to a write: its user-part hash is recorded.</param>
internal sealed record SyncOutcome(ReconcileOutcome Kind, string Message, bool RecordSync = false, JsonObject? InitialSavepoint = null, bool LiveUnknown = false, bool Wrote = false)
{
    /// <summary>The <c>Synced</c> condition status.</summary>
    public string Synced => Outcomes.Of(Kind).Synced;

    /// <summary>The <c>Synced</c> condition reason.</summary>
    public string Reason => Outcomes.Of(Kind).ConditionReason;

    /// <summary>True when CR syncing is off (<c>customResourceState: IDLING</c>).</summary>
    public bool Idle => Kind == ReconcileOutcome.Idle;

    /// <summary>A successful write, recording the platform's answer with the hash of its user part.</summary>
    /// <param name="kind">What was written.</param>
    /// <param name="message">The message.</param>
    /// <returns>The outcome.</returns>
    public static SyncOutcome Written(ReconcileOutcome kind, string message) => new(kind, message, RecordSync: true, Wrote: true);

    /// <summary>A verified sync (nothing to write), recording generation and resource version.</summary>
    /// <param name="message">The message; the default says the deployment matches the CR.</param>
    /// <returns>The outcome.</returns>
    public static SyncOutcome InSync(string message = "The deployment matches the CR.") => new(ReconcileOutcome.InSync, message, RecordSync: true);

    /// <summary>An outcome that records nothing (a failure, a planned write, syncing off).</summary>
    /// <param name="kind">The outcome.</param>
    /// <param name="message">The message.</param>
    /// <returns>The outcome.</returns>
    public static SyncOutcome Unsynced(ReconcileOutcome kind, string message) => new(kind, message);

    /// <summary>The <c>initialSavepoint</c> status object.</summary>
    /// <param name="location">The savepoint location.</param>
    /// <param name="state"><c>Pending</c>, <c>Registered</c> or <c>Skipped</c>.</param>
    /// <param name="reason">Why, for people.</param>
    /// <returns>A new JSON object.</returns>
    public static JsonObject SavepointStatus(string location, string state, string? reason) =>
        new() { ["location"] = location, ["state"] = state, ["reason"] = reason };
}
