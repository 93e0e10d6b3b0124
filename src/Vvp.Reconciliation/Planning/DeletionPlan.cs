using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Planning;

/// <summary>What deleting a CR asks of its deployment now; the executor sends <c>Request</c> or nothing.</summary>
public enum DeletionStep
{
    /// <summary>Nothing to do: the CR may go (orphaned, not owned, already gone, or cancelled as the policy asks).</summary>
    Finished,

    /// <summary>Cancel the deployment: <c>PATCH</c> <c>Request</c>.</summary>
    Cancel,

    /// <summary>The deployment is being cancelled: look again soon, then delete it.</summary>
    WaitForCancelled,

    /// <summary>Delete the deployment: <c>DELETE</c>.</summary>
    Delete,
}

/// <summary>The pure decision for a CR being deleted, by its <see cref="DeletionPolicy"/>.</summary>
/// <param name="Step">What to do now.</param>
/// <param name="Request">The body to send for <see cref="DeletionStep.Cancel"/>; <see langword="null"/> otherwise.</param>
/// <param name="FinishedAfterWrite">True when the CR may go once <c>Request</c> is written (policy <see cref="DeletionPolicy.Cancel"/>).</param>
/// <param name="Reason">The event reason: <c>Orphaned</c>, <c>NotOwned</c>, <c>Deleted</c>, <c>Cancelled</c>, <c>Cancelling</c>, <c>WaitingForCancel</c>, <c>Deleting</c>.</param>
/// <param name="Message">The event message, for people.</param>
/// <param name="IsWarning">True when the event is a warning (a deployment owned by another is left alone).</param>
public sealed record DeletionPlan(DeletionStep Step, JsonObject? Request, bool FinishedAfterWrite, string Reason, string Message, bool IsWarning = false);
