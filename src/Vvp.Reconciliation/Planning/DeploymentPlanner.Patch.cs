using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

// §6 and §7: PATCH mode, and the adoption of an existing deployment in either mode.
public sealed partial class DeploymentPlanner
{
    private sealed partial class Context
    {
        public Plan Patch(bool markerPresent)
        {
            if (_resource.SyncingMode == SyncingMode.Put)
            {
                return AdoptInPutMode();
            }

            if (markerPresent && UserPartComparer.PatchIsNoOp(_resource, _live!, _options))
            {
                return NoWrite(PlanReasons.InSync, SyncOutcome.InSync());
            }

            var (body, diff) = MergeOntoLive();
            if (diff.IsEmpty)
            {
                // A deployment that already is as the CR states is not written for its marker alone: it is adopted
                // (the marker stamped) with the first change the CR makes.
                return NoWrite(PlanReasons.InSync, markerPresent ? SyncOutcome.InSync() : SyncOutcome.InSync(AlreadyAsStated));
            }

            return PatchPlan(markerPresent, body, diff, [], _specUpdate);
        }

        // PATCH mode: the CR's userMetadata and spec merged onto the live user part (RFC 7396), told as a merge-patch body
        // and an RFC 6902 diff without building the merged deployment. The metadata (a few members) is copied and merged;
        // the spec is walked once along the members the CR names, so the spec is never copied.
        private (JsonObject Body, JsonPatch Diff) MergeOntoLive()
        {
            var maxDepth = _options.MaxDepth + 2;
            var operations = new List<JsonPatchOperation>();
            var liveMetadata = UserParts.MetadataCopy(JsonRead.Object(_live, "metadata"), _options);
            var merged = (JsonObject)liveMetadata.DeepClone();
            JsonMergePatch.ApplyInPlace(merged, UserMetadata, 2, maxDepth);
            merged["name"] = Target.Name;
            merged["namespace"] = Target.Namespace;
            var desiredMetadata = UserParts.MetadataCopy(merged, _options);
            JsonPatch.CreateInto(liveMetadata, desiredMetadata, "metadata", operations, 2, maxDepth);

            // Annotations are compared key by key: the platform keeps system annotations beside the user's, so removing
            // every user annotation must never become "annotations": null on the wire. Added after the diff, which must not see them.
            UserParts.EnsureMetadataAnnotations(liveMetadata);
            UserParts.EnsureMetadataAnnotations(desiredMetadata);
            var body = new JsonObject();
            if (JsonMergePatch.CreateObject(liveMetadata, desiredMetadata, 2, maxDepth) is { } metadataBody)
            {
                body["metadata"] = metadataBody;
            }

            if (_resource.DeploymentSpec is { } spec &&
                JsonPatch.CreateForMerge(JsonRead.Object(_live, "spec") ?? [], spec, "spec", operations, 2, maxDepth, _resource.ArrayCopies) is { } specBody)
            {
                body["spec"] = specBody;
            }

            return (body, new JsonPatch(operations));
        }

        // PUT-mode adoption: the CR (nulls as absent: adoption never removes a live field) merged onto the live user part,
        // and the result synced back, so that the CR states the whole deployment.
        private Plan AdoptInPutMode()
        {
            var maxDepth = _options.MaxDepth + 2;
            var liveUser = UserParts.FromDeployment(_live!, _options);
            var stated = (JsonObject)UserParts.WithoutNulls(CrUser)!;
            var desired = UserParts.Normalize((JsonObject)JsonMergePatch.Apply(liveUser, stated, maxDepth)!, _options);
            var specUpdate = WithDeployment((JsonObject)desired["metadata"]!, desired["spec"] as JsonObject, scrubInitFields: false);
            string[] adopted = [.. JsonPatch.Create(UserParts.Normalize(stated, _options), desired, maxDepth).Operations
                .Where(o => o.Op == JsonPatchOperationType.Add)
                .Select(o => o.Path)];
            var diff = JsonPatch.Create(liveUser, desired, maxDepth);
            if (diff.IsEmpty && adopted.Length == 0)
            {
                return NoWrite(PlanReasons.InSync, SyncOutcome.InSync(AlreadyAsStated));
            }

            UserParts.EnsureAnnotations(liveUser);
            UserParts.EnsureAnnotations(desired);
            var body = (JsonObject)JsonMergePatch.Create(liveUser, desired, maxDepth)!;
            return PatchPlan(markerPresent: false, body, diff, adopted, specUpdate);
        }

        private string AlreadyAsStated => $"The deployment {Target} already is as the CR states; it is adopted with the first change.";

        private Plan PatchPlan(bool markerPresent, JsonObject body, JsonPatch diff, string[] adopted, JsonObject? specUpdate)
        {
            if (!markerPresent)
            {
                var metadata = body["metadata"] as JsonObject ?? new JsonObject();
                body["metadata"] = metadata;
                var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
                metadata["annotations"] = annotations;
                annotations[_options.OwnerAnnotation] = Owner;
                if (adopted.Length > 0)
                {
                    // Until the CR states these fields (the sync-back is written), a PUT must not remove them.
                    annotations[_options.AdoptedFieldsAnnotation] = new JsonArray([.. adopted.Select(p => (JsonNode)p)]).ToJsonString();
                }
            }

            return Build(
                PlanAction.Patch,
                markerPresent ? PlanReasons.Drift : PlanReasons.Adopt,
                body,
                diff,
                SyncOutcome.Unsynced(ReconcileOutcome.Pending, markerPresent ? "The deployment differs from the CR; a patch is planned." : "The deployment exists without this CR's marker; it is to be adopted."),
                markerPresent ? ReconcileOutcome.Patched : ReconcileOutcome.Adopted,
                SavepointForExisting(),
                specUpdate);
        }
    }
}
