using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

// §5: a deployment that does not exist is created, initFields applied once.
public sealed partial class DeploymentPlanner
{
    private sealed partial class Context
    {
        public Plan Create()
        {
            var metadata = (JsonObject)UserParts.WithoutNulls(JsonMergePatch.Apply(InitUserMetadata, UserMetadata, _options.MaxDepth))!;
            var spec = CreateSpec();
            metadata["name"] = Target.Name;
            metadata["namespace"] = Target.Namespace;
            var desiredUser = UserParts.Normalize(new JsonObject { ["metadata"] = metadata.DeepClone(), ["spec"] = spec.DeepClone() }, _options);

            var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
            metadata["annotations"] = annotations;
            annotations[_options.OwnerAnnotation] = Owner;

            SavepointPlan? savepoint = null;
            JsonObject? savepointStatus = null;
            if (_resource.InitialSavepointLocation is { } location)
            {
                var unmet = UnmetSavepointConditions(spec);
                savepoint = new SavepointPlan(unmet.Count == 0, location, unmet);
                if (unmet.Count == 0)
                {
                    annotations[_options.InitialSavepointAnnotation] = location;
                    savepointStatus = SyncOutcome.SavepointStatus(location, InitialSavepointState.Pending, "Registered after the deployment is created.");
                }
                else
                {
                    var reason = "Not used: " + string.Join("; ", unmet) + ".";
                    _warnings.Add(new ResourceMessage("/spec/initialSavepointSpec", "The initial savepoint is skipped. " + reason) { Code = PlanWarnings.InitialSavepointSkipped });
                    savepointStatus = SyncOutcome.SavepointStatus(location, InitialSavepointState.Skipped, reason);
                }
            }

            var request = new JsonObject
            {
                ["apiVersion"] = JsonRead.String(_resource.Deployment, "apiVersion") ?? "v1",
                ["kind"] = JsonRead.String(_resource.Deployment, "kind") ?? "Deployment",
                ["metadata"] = metadata,
                ["spec"] = spec,
            };
            return Build(
                PlanAction.Create,
                PlanReasons.Created,
                request,
                JsonPatch.Create(new JsonObject { ["metadata"] = new JsonObject(), ["spec"] = new JsonObject() }, desiredUser, _options.MaxDepth + 2),
                SyncOutcome.Unsynced(ReconcileOutcome.Pending, $"The deployment {Target} does not exist; it is to be created.") with { InitialSavepoint = savepointStatus },
                ReconcileOutcome.Created,
                savepoint,
                _specUpdate);
        }

        /// <summary>The merged spec a create sends: <c>initFields.spec</c> under <c>deployment.spec</c>, nulls dropped.</summary>
        private JsonObject CreateSpec() => (JsonObject)UserParts.WithoutNulls(JsonMergePatch.Apply(
            JsonRead.Object(_resource.InitFields, "spec") ?? new JsonObject(),
            _resource.DeploymentSpec ?? new JsonObject(),
            _options.MaxDepth))!;
    }
}
