using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Planning;

/// <summary>
/// What happened (or is about to happen) in a reconcile, as status projection needs it: the <c>Synced</c>
/// condition, whether the live deployment counts as synced (recording generation, resource version and hash),
/// the CR state, and the initial savepoint state.
/// </summary>
/// <param name="Synced">The <c>Synced</c> condition status: <c>True</c>, <c>False</c> or <c>Unknown</c>.</param>
/// <param name="Reason">The condition reason (CamelCase).</param>
/// <param name="Message">The condition message for people.</param>
/// <param name="RecordSync">True after a successful write or a verified sync: record the live deployment as the last synced one.</param>
/// <param name="Idle">True when CR syncing is off (<c>customResourceState: IDLING</c>).</param>
/// <param name="InitialSavepoint">The new <c>initialSavepoint</c> status; <see langword="null"/> keeps the previous one.</param>
/// <param name="LiveUnknown">True when the live deployment was not read (no credential, an invalid CR): the previous observations are kept.</param>
/// <param name="Wrote">True when the live deployment is the platform's answer to a write: its user-part hash is recorded.</param>
internal sealed record SyncOutcome(string Synced, string Reason, string Message, bool RecordSync = false, bool Idle = false, JsonObject? InitialSavepoint = null, bool LiveUnknown = false, bool Wrote = false)
{
    /// <summary>A successful write: <c>Synced=True</c>, recording the platform's answer with the hash of its user part.</summary>
    /// <param name="reason">The reason, e.g. <c>Patched</c>.</param>
    /// <param name="message">The message.</param>
    /// <returns>The outcome.</returns>
    public static SyncOutcome Written(string reason, string message) => new("True", reason, message, RecordSync: true, Wrote: true);

    /// <summary>A verified sync (nothing to write): <c>Synced=True</c>, recording generation and resource version.</summary>
    /// <param name="reason">The reason, e.g. <c>InSync</c> or <c>Patched</c>.</param>
    /// <param name="message">The message.</param>
    /// <returns>The outcome.</returns>
    public static SyncOutcome Success(string reason, string message) => new("True", reason, message, RecordSync: true);

    /// <summary>A failure: <c>Synced=False</c>, nothing recorded.</summary>
    /// <param name="reason">The reason, e.g. <c>PlatformRejected</c>.</param>
    /// <param name="message">The message.</param>
    /// <returns>The outcome.</returns>
    public static SyncOutcome Failure(string reason, string message) => new("False", reason, message);

    /// <summary>The <c>initialSavepoint</c> status object.</summary>
    /// <param name="location">The savepoint location.</param>
    /// <param name="state"><c>Pending</c>, <c>Registered</c> or <c>Skipped</c>.</param>
    /// <param name="reason">Why, for people.</param>
    /// <returns>A new JSON object.</returns>
    public static JsonObject SavepointStatus(string location, string state, string? reason) =>
        new() { ["location"] = location, ["state"] = state, ["reason"] = reason };
}
