using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

// §11: the initial savepoint: eligibility at creation, the owed registration of an existing deployment, its body.
public sealed partial class DeploymentPlanner
{
    /// <summary>
    /// The body that registers an initial savepoint for a deployment (<c>POST /savepoints</c>): the location, marked
    /// <c>COMPLETED</c> (the user's responsibility, as the documentation says), tied to the deployment's id and spec version.
    /// </summary>
    /// <param name="location">The savepoint location.</param>
    /// <param name="deployment">The deployment as the platform returned it.</param>
    /// <returns>The request body, or <see langword="null"/> when the deployment has no id yet.</returns>
    public static JsonObject? PlanSavepointRegistration(string location, JsonObject deployment)
    {
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(deployment);
        const string SpecVersion = "com.dataartisans.appmanager.controller.deployment.spec.version";
        if (JsonRead.String(deployment, "metadata", "id") is not { } id)
        {
            return null;
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["deploymentId"] = id,
                ["annotations"] = new JsonObject { [SpecVersion] = JsonRead.String(deployment, "metadata", "annotations", SpecVersion) },
            },
            // The platform's API asks for a Flink savepoint id; a savepoint registered from outside has none.
            ["spec"] = new JsonObject { ["savepointLocation"] = location, ["flinkSavepointId"] = "00000000-0000-0000-0000-000000000000" },
            ["status"] = new JsonObject { ["state"] = "COMPLETED" },
        };
    }

    private sealed partial class Context
    {
        // For an existing deployment: a registration owed since creation (crash safety) when the deployment
        // carries the intent marker, is still CANCELLED, and the status does not say it was registered (the
        // executor checks the platform's savepoint list before it registers, so it happens at most once);
        // otherwise a savepoint the CR asks for is skipped, because the deployment already exists.
        private SavepointPlan? SavepointForExisting()
        {
            var recorded = InitialSavepointState.Of(_resource.Status);
            var location = JsonRead.String(_live, "metadata", "annotations", _options.InitialSavepointAnnotation);
            if (location is not null)
            {
                return recorded == InitialSavepointState.Registered || JsonRead.String(_live, "spec", "state") != "CANCELLED"
                    ? null
                    : new SavepointPlan(true, location, ["The deployment was created with this initial savepoint; its registration is still owed."]);
            }

            if (_resource.InitialSavepointLocation is { } requested && recorded is null)
            {
                // Every unmet condition is named, in the documentation's order, not only the existing deployment.
                var unmet = UnmetSavepointConditions(CreateSpec());
                unmet.Add("the deployment already exists");
                var reason = "Not used: " + string.Join("; ", unmet) + ".";
                _warnings.Add(new ResourceMessage("/spec/initialSavepointSpec", "The initial savepoint is skipped. " + reason) { Code = PlanWarnings.InitialSavepointSkipped });
                SavepointStatus = SyncOutcome.SavepointStatus(requested, InitialSavepointState.Skipped, reason);
                return new SavepointPlan(false, requested, unmet);
            }

            return null;
        }

        /// <summary>The initialSavepoint status an existing deployment's savepoint decision sets, if any.</summary>
        private JsonObject? SavepointStatus { get; set; }

        private SyncOutcome WithSavepointStatus(SyncOutcome outcome) =>
            SavepointStatus is null || outcome.InitialSavepoint is not null ? outcome : outcome with { InitialSavepoint = SavepointStatus };

        // The conditions are judged on the body to be created; each message names the CR path the value came from.
        private List<string> UnmetSavepointConditions(JsonObject spec)
        {
            var unmet = new List<string>();
            var state = JsonRead.String(spec, "state");
            if (state != "CANCELLED")
            {
                unmet.Add($"{SourceOf("state")} is {state ?? "absent"}, not CANCELLED");
            }

            if (JsonRead.String(spec, "restoreStrategy", "kind") == "NONE")
            {
                unmet.Add($"{SourceOf("restoreStrategy", "kind")} is NONE");
            }

            return unmet;
        }

        // spec.deployment.spec wins over spec.initFields.spec, as in the create body.
        private string SourceOf(params string[] path)
        {
            var fromDeployment = _resource.DeploymentSpec is { } deployment && Present(deployment, path);
            var fromInitFields = !fromDeployment && JsonRead.Object(_resource.InitFields, "spec") is { } init && Present(init, path);
            return (fromInitFields ? "spec.initFields.spec." : "spec.deployment.spec.") + string.Join('.', path);

            static bool Present(JsonObject spec, string[] path)
            {
                JsonNode? node = spec;
                foreach (var key in path)
                {
                    if (node is not JsonObject obj || !obj.TryGetPropertyValue(key, out node))
                    {
                        return false;
                    }
                }

                return true;
            }
        }
    }
}
