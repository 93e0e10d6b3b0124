using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

// §15: what deleting a CR asks of its deployment, by the deletion policy.
public sealed partial class DeploymentPlanner
{
    /// <summary>
    /// Decides what deleting <paramref name="resource"/> asks of its deployment now. Orphan (or a CR that names no
    /// deployment): nothing. A deployment that is gone, or owned by another: nothing. Otherwise cancel it first (PATCH
    /// <c>spec.state: CANCELLED</c>); with policy Cancel that finishes it; with policy Delete, wait until the platform
    /// reports it <c>CANCELLED</c>, then delete it.
    /// </summary>
    /// <param name="resource">The CR being deleted.</param>
    /// <param name="live">The live deployment, or <see langword="null"/> when there is none.</param>
    /// <param name="policy">The deletion policy.</param>
    /// <returns>The deletion plan.</returns>
    public DeletionPlan PlanDeletion(VvpDeploymentResource resource, JsonObject? live, DeletionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (policy == DeletionPolicy.Orphan || resource.Target is not { } target)
        {
            return new DeletionPlan(DeletionStep.Finished, null, false, "Orphaned", $"The CR is deleted; the deployment {resource.Target?.ToString() ?? "(none)"} is left as it is.");
        }

        if (live is null)
        {
            return new DeletionPlan(DeletionStep.Finished, null, false, "Deleted", $"The deployment {target} does not exist.");
        }

        var owner = _options.OwnerMarkerOf(live);
        if (owner != _options.OwnerOf(resource))
        {
            return new DeletionPlan(DeletionStep.Finished, null, false, "NotOwned", $"The deployment {target} is not owned by this CR (owner '{owner ?? "none"}'); it is left as it is.", IsWarning: true);
        }

        if (JsonRead.String(live, "spec", "state") != "CANCELLED")
        {
            var cancel = new JsonObject { ["spec"] = new JsonObject { ["state"] = "CANCELLED" } };
            return policy == DeletionPolicy.Cancel
                ? new DeletionPlan(DeletionStep.Cancel, cancel, true, "Cancelled", $"The CR is deleted; the deployment {target} is cancelled and kept.")
                : new DeletionPlan(DeletionStep.Cancel, cancel, false, "Cancelling", $"Cancelling {target} before deleting it.");
        }

        if (policy == DeletionPolicy.Cancel)
        {
            return new DeletionPlan(DeletionStep.Finished, null, false, "Cancelled", $"The CR is deleted; the deployment {target} is cancelled and kept.");
        }

        // Deleting needs the platform to report CANCELLED: look again soon rather than wait.
        return JsonRead.String(live, "status", "state") != "CANCELLED"
            ? new DeletionPlan(DeletionStep.WaitForCancelled, null, false, "WaitingForCancel", $"Waiting for {target} to be CANCELLED before deleting it.")
            : new DeletionPlan(DeletionStep.Delete, null, true, "Deleted", $"The deployment {target} is deleted.");
    }
}
