using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

// §7: PUT mode once the deployment is this CR's: the whole user part, system annotations carried over.
public sealed partial class DeploymentPlanner
{
    private sealed partial class Context
    {
        public Plan Replace()
        {
            if (UserPartComparer.PutEquals(_resource, _live!, _options))
            {
                return NoWrite(PlanReasons.InSync, SyncOutcome.InSync());
            }

            var liveUser = UserParts.FromDeployment(_live!, _options);
            var desired = UserParts.Normalize((JsonObject)UserParts.WithoutNulls(CrUser)!, _options);
            if (JsonEquality.Equals(desired, liveUser, _options.MaxDepth + 2))
            {
                return NoWrite(PlanReasons.InSync, SyncOutcome.InSync());
            }

            if (MissingAdoptedFields() is { Count: > 0 } missing)
            {
                // The CR never took what its adoption synced back: a PUT of it would erase those fields.
                foreach (var path in missing)
                {
                    _errors.Add(new ResourceMessage("/spec/deployment" + (path.StartsWith("/metadata", StringComparison.Ordinal) ? "/userMetadata" + path["/metadata".Length..] : path), "Synced back by adoption but not stated by the CR: a PUT would remove it from the deployment."));
                }

                var syncBack = UserParts.Normalize((JsonObject)JsonMergePatch.Apply(liveUser, desired, _options.MaxDepth + 2)!, _options);
                return Build(
                    PlanAction.Blocked,
                    PlanReasons.AdoptedFieldsMissing,
                    null,
                    JsonPatch.Create(liveUser, desired, _options.MaxDepth + 2),
                    SyncOutcome.Unsynced(ReconcileOutcome.AdoptedFieldsMissing, $"The CR does not state {missing.Count} field(s) that adopting {Target} synced back ({string.Join(", ", missing)}); a PUT would remove them, so nothing is written. Write the spec update back into the CR, state the fields, or set them to null to remove them."),
                    ReconcileOutcome.AdoptedFieldsMissing,
                    null,
                    WithDeployment((JsonObject)syncBack["metadata"]!, syncBack["spec"] as JsonObject, scrubInitFields: false));
            }

            var liveMetadata = JsonRead.Object(_live, "metadata");
            var metadata = (JsonObject)desired["metadata"]!.DeepClone();
            var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
            metadata["annotations"] = annotations;
            foreach (var (key, value) in JsonRead.Object(liveMetadata, "annotations") ?? [])
            {
                // The guard of an adoption ends here: the CR states every field it synced back (checked above).
                if (_options.IsSystemAnnotation(key) && key != _options.AdoptedFieldsAnnotation)
                {
                    annotations[key] = value?.DeepClone();
                }
            }

            foreach (var key in new[] { "id", "resourceVersion" })
            {
                if (JsonRead.At(liveMetadata, key) is { } value)
                {
                    metadata[key] = value.DeepClone();
                }
            }

            var request = new JsonObject
            {
                ["apiVersion"] = JsonRead.String(_live, "apiVersion") ?? "v1",
                ["kind"] = JsonRead.String(_live, "kind") ?? "Deployment",
                ["metadata"] = metadata,
                ["spec"] = desired["spec"]!.DeepClone(),
            };
            return Build(
                PlanAction.Replace,
                PlanReasons.Drift,
                request,
                JsonPatch.Create(liveUser, desired, _options.MaxDepth + 2),
                SyncOutcome.Unsynced(ReconcileOutcome.Pending, "The deployment differs from the CR; it is to be replaced."),
                ReconcileOutcome.Replaced,
                SavepointForExisting(),
                _specUpdate);
        }
    }
}
