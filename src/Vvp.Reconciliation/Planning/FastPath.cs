using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

/// <summary>
/// The no-op fast path: when the CR's generation is the one last synced and the live deployment is the
/// one last synced (same resource version, or the same user part by hash), nothing needs comparing.
/// When the recorded status still describes the live deployment, it is reused as it is: no allocation.
/// </summary>
internal static class FastPath
{
    /// <summary>True when the status says the platform rejected (400) the CR's current generation.</summary>
    public static bool WasRejectedAtThisGeneration(VvpDeploymentResource resource)
    {
        var synced = StatusProjection.Condition(resource.Status, "Synced");
        return JsonRead.String(synced, "reason") == Outcomes.Of(ReconcileOutcome.PlatformRejected).ConditionReason &&
               resource.Generation is { } generation &&
               JsonRead.Int64(synced, "observedGeneration") == generation;
    }

    /// <summary>True when the status records a successful sync of the CR's current generation.</summary>
    public static bool WasSyncedAtThisGeneration(VvpDeploymentResource resource) =>
        resource.Generation is { } generation &&
        JsonRead.Int64(resource.Status, "customResourceStatus", "lastSyncedGeneration") == generation;

    public static Plan? InSync(VvpDeploymentResource resource, JsonObject live, PlannerOptions options)
    {
        var generation = resource.Generation;
        var status = resource.Status;
        var crStatus = JsonRead.Object(status, "customResourceStatus");
        if (generation is null || crStatus is null || !WasSyncedAtThisGeneration(resource) || resource.Target is not { } target)
        {
            return null;
        }

        // A registration still owed keeps the full path, which plans it.
        if (InitialSavepointState.IsOwed(status))
        {
            return null;
        }

        // The deployment must still be the one this CR owns, with syncing on; otherwise the full path decides.
        if (!options.IsOwnedBy(live, resource) || !options.IsSyncing(live))
        {
            return null;
        }

        var liveVersion = JsonRead.At(live, "metadata", "resourceVersion");
        var sameVersion = liveVersion is JsonValue version &&
                          JsonRead.At(crStatus, "lastSyncedResourceVersion") is JsonValue recorded &&
                          JsonValues.ScalarText(recorded) == JsonValues.ScalarText(version);
        // The same resource version is the same deployment: the hash recorded for it still holds.
        var hash = sameVersion ? JsonRead.String(crStatus, "lastSyncedDeploymentHash") : null;
        if (!sameVersion)
        {
            hash = UserParts.HashOfDeployment(live, options);
            if (hash != JsonRead.String(crStatus, "lastSyncedDeploymentHash"))
            {
                return null;
            }
        }

        if (sameVersion && StatusStillDescribes(status!, crStatus, live, generation.Value))
        {
            return new Plan { Target = target, Action = PlanAction.None, Reason = PlanReasons.InSync, Outcome = ReconcileOutcome.InSync, Status = status, StatusChanged = false };
        }

        var projected = StatusProjection.Project(resource, live, SyncOutcome.InSync(), options, hash);
        return new Plan
        {
            Target = target,
            Action = PlanAction.None,
            Reason = PlanReasons.InSync,
            Outcome = ReconcileOutcome.InSync,
            Status = projected,
            StatusChanged = !JsonEquality.Equals(projected, status),
        };
    }

    // The recorded status was projected from this very deployment (same resource version) after a
    // successful sync of this generation; it stays right while the deployment's status is unchanged.
    private static bool StatusStillDescribes(JsonObject status, JsonObject crStatus, JsonObject live, long generation) =>
        JsonRead.String(crStatus, "customResourceState") == "SYNCING" &&
        JsonRead.Int64(crStatus, "observedGeneration") == generation &&
        InitialSavepointState.IsSettled(status) &&
        JsonRead.String(StatusProjection.Condition(status, "Synced"), "status") == "True" &&
        JsonEquality.Equals(JsonRead.At(status, "deploymentStatus"), JsonRead.At(live, "status")) &&
        JsonRead.String(crStatus, "observedSpecState") == JsonRead.String(live, "spec", "state");
}
