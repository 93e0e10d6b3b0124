using System.Globalization;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

/// <summary>
/// Projects a CR's status from the CR, the live deployment and the outcome of the reconcile: a pure
/// function, so the same inputs always give the same status, and an unchanged status costs no write.
/// </summary>
internal static class StatusProjection
{
    /// <summary>Projects the status.</summary>
    /// <param name="resource">The CR (its current status supplies what the outcome does not change).</param>
    /// <param name="live">The live deployment, or <see langword="null"/> when there is none.</param>
    /// <param name="outcome">What happened.</param>
    /// <param name="options">The planner options (system annotations, clock).</param>
    /// <param name="liveUserPartHash">The hash of the live user part to record, when the caller has it already (otherwise it is computed after a write, and not recorded after a verified sync).</param>
    /// <returns>The new status object.</returns>
    public static JsonObject Project(VvpDeploymentResource resource, JsonObject? live, SyncOutcome outcome, PlannerOptions options, string? liveUserPartHash = null)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(options);
        var previous = resource.Status;
        var previousCr = JsonRead.Object(previous, "customResourceStatus");
        var generation = resource.Generation;

        if (outcome.LiveUnknown && live is null)
        {
            return ProjectWithoutLive(resource, outcome, options);
        }

        var crStatus = new JsonObject
        {
            ["customResourceState"] = outcome.Idle ? "IDLING" : "SYNCING",
            ["deploymentId"] = StringCopy(JsonRead.At(live, "metadata", "id")),
            ["observedSpecState"] = StringCopy(JsonRead.At(live, "spec", "state")),
            ["statusState"] = StringCopy(JsonRead.At(live, "status", "state")),
            ["vvpNamespace"] = StringCopy(JsonRead.At(live, "metadata", "namespace")) ?? resource.Target?.Namespace,
            ["observedGeneration"] = generation,
        };

        if (outcome.RecordSync && live is not null)
        {
            crStatus["lastSyncedGeneration"] = generation;
            crStatus["lastSyncedResourceVersion"] = JsonRead.Text(live, "metadata", "resourceVersion");
            // The hash matters only after a write, where a platform that normalises values makes the comparison
            // disagree with what was just written; after a verified sync the comparison itself is the cheaper check.
            crStatus["lastSyncedDeploymentHash"] = liveUserPartHash ?? (outcome.Wrote ? UserParts.HashOfDeployment(live, options) : null);
        }
        else
        {
            crStatus["lastSyncedGeneration"] = JsonTree.Detached(JsonRead.At(previousCr, "lastSyncedGeneration"));
            crStatus["lastSyncedResourceVersion"] = JsonTree.Detached(JsonRead.At(previousCr, "lastSyncedResourceVersion"));
            crStatus["lastSyncedDeploymentHash"] = JsonTree.Detached(JsonRead.At(previousCr, "lastSyncedDeploymentHash"));
        }

        crStatus["initialSavepoint"] = outcome.InitialSavepoint?.DeepClone() ?? JsonTree.Detached(JsonRead.At(previousCr, "initialSavepoint"));

        var now = new Now(options.TimeProvider);
        return new JsonObject
        {
            ["deploymentStatus"] = JsonTree.Detached(JsonRead.At(live, "status")),
            ["deploymentSystemMetadata"] = live is null ? null : SystemMetadata(live, options),
            ["customResourceStatus"] = crStatus,
            ["observedGeneration"] = generation,
            ["conditions"] = Conditions(outcome, Ready(live), Transitioning(live), generation, now, previous),
        };
    }

    // §9: Synced, then kstatus' Ready, Reconciling and Stalled. Ready needs the desired state written (Synced) and the
    // platform there; under IDLING it reflects the platform alone. Reconciling and Stalled are never True together.
    private static JsonArray Conditions(SyncOutcome outcome, (string Status, string Reason, string Message) platform, bool transitioning, long? generation, Now now, JsonObject? previous)
    {
        var progress = ProgressOf(outcome.Kind);
        var ready = outcome.Idle || outcome.Synced == "True"
            ? platform
            : ("False", outcome.Reason, "The CR is not synced: " + outcome.Message);
        var stalled = progress == Progress.Stalled;
        var reconciling = !stalled && (progress == Progress.Retrying || outcome.Kind == ReconcileOutcome.Pending || (!outcome.Idle && transitioning));
        var reconcilingCondition = reconciling
            ? progress == Progress.Retrying
                ? ("True", outcome.Reason, "Tried again with backoff: " + outcome.Message)
                : ("True", "Transitioning", "The platform has not reached the desired state yet: " + platform.Message)
            : ("False", "Settled", "No work is under way.");
        var stalledCondition = stalled
            ? ("True", outcome.Reason, outcome.Message)
            : ("False", "Progressing", "Nothing blocks the reconcile.");
        return new JsonArray(
            NewCondition("Synced", outcome.Synced, outcome.Reason, outcome.Message, generation, now, Condition(previous, "Synced")),
            NewCondition("Ready", ready.Item1, ready.Item2, ready.Item3, generation, now, Condition(previous, "Ready")),
            NewCondition("Reconciling", reconcilingCondition.Item1, reconcilingCondition.Item2, reconcilingCondition.Item3, generation, now, Condition(previous, "Reconciling")),
            NewCondition("Stalled", stalledCondition.Item1, stalledCondition.Item2, stalledCondition.Item3, generation, now, Condition(previous, "Stalled")));
    }

    /// <summary>
    /// Under <c>specWriteBack: Report</c>: the status with <c>pendingSpecUpdate</c> (the RFC 6902 patch from the CR's spec
    /// to the update, paths from the CR's root) and the condition <c>SpecUpdatePending</c> naming the fields, or without
    /// them and with the condition False when nothing is pending.
    /// </summary>
    internal static JsonObject WithPendingSpecUpdate(JsonObject status, VvpDeploymentResource resource, JsonObject? specUpdate, PlannerOptions options)
    {
        var result = (JsonObject)status.DeepClone();
        var patch = new JsonArray();
        if (specUpdate is not null)
        {
            foreach (var operation in JsonPatch.Create(resource.Root["spec"], specUpdate, options.MaxDepth + 3).ToJsonNode().OfType<JsonObject>())
            {
                foreach (var member in new[] { "path", "from" })
                {
                    if (operation[member] is JsonValue path)
                    {
                        operation[member] = "/spec" + path.GetValue<string>();
                    }
                }

                patch.Add((JsonNode)operation.DeepClone());
            }
        }

        var fields = patch.OfType<JsonObject>().Select(o => JsonRead.String(o, "path")).OfType<string>().ToList();
        result.Remove("pendingSpecUpdate");
        if (fields.Count > 0)
        {
            result["pendingSpecUpdate"] = patch;
        }

        var conditions = result["conditions"] as JsonArray ?? [];
        result["conditions"] = conditions;
        conditions.Add((JsonNode)(fields.Count > 0
            ? NewCondition("SpecUpdatePending", "True", "SpecUpdatePending", $"Commit to the CR's source (specWriteBack: Report): {string.Join(", ", fields)}.", resource.Generation, new Now(options.TimeProvider), Condition(resource.Status, "SpecUpdatePending"))
            : NewCondition("SpecUpdatePending", "False", "NothingPending", "The CR states what the operator would write back.", resource.Generation, new Now(options.TimeProvider), Condition(resource.Status, "SpecUpdatePending"))));
        return result;
    }

    /// <summary>Under <c>driftPolicy: Report</c>: the status with the condition <c>Drifted</c> naming the fields changed on the platform.</summary>
    internal static JsonObject WithDrifted(JsonObject status, VvpDeploymentResource resource, string fields, PlannerOptions options)
    {
        var conditions = status["conditions"] as JsonArray ?? [];
        status["conditions"] = conditions;
        conditions.Add((JsonNode)NewCondition("Drifted", "True", "ChangedOnThePlatform", $"Changed on the platform and left as it is (driftPolicy: Report): {fields}.", resource.Generation, new Now(options.TimeProvider), Condition(resource.Status, "Drifted")));
        return status;
    }

    /// <summary>How an outcome stands in kstatus' terms: settled (the platform decides), retrying, or stalled until the CR or the platform changes.</summary>
    internal enum Progress
    {
        Settled,
        Retrying,
        Stalled,
    }

    internal static Progress ProgressOf(ReconcileOutcome outcome) => outcome switch
    {
        ReconcileOutcome.InSync or ReconcileOutcome.Pending or ReconcileOutcome.Created or ReconcileOutcome.Patched or ReconcileOutcome.Adopted or
            ReconcileOutcome.Replaced or ReconcileOutcome.Idle or ReconcileOutcome.CustomResourceGone or ReconcileOutcome.NotWatched => Progress.Settled,
        ReconcileOutcome.TransientFailure or ReconcileOutcome.ProtocolError => Progress.Retrying,
        ReconcileOutcome.InvalidSpec or ReconcileOutcome.OwnedByAnother or ReconcileOutcome.AdoptedFieldsMissing or ReconcileOutcome.Unauthenticated or
            ReconcileOutcome.Forbidden or ReconcileOutcome.PlatformRejected or ReconcileOutcome.StillRejected or ReconcileOutcome.UnsupportedPlatform => Progress.Stalled,
    };

    // The platform is on its way to the desired state: TRANSITIONING, or a state other than the desired one that is not final.
    private static bool Transitioning(JsonObject? live)
    {
        var state = JsonRead.String(live, "status", "state");
        return state == "TRANSITIONING" || (state is not null && state != JsonRead.String(live, "spec", "state") && state is not ("FAILED" or "FINISHED"));
    }

    /// <summary>The condition of a type in a status (<c>Synced</c>, <c>Ready</c>), or <see langword="null"/>.</summary>
    internal static JsonObject? Condition(JsonObject? status, string type)
    {
        if (JsonRead.At(status, "conditions") is JsonArray conditions)
        {
            for (var i = 0; i < conditions.Count; i++)
            {
                if (conditions[i] is JsonObject condition && JsonRead.String(condition, "type") == type)
                {
                    return condition;
                }
            }
        }

        return null;
    }

    // The deployment was not read: what the status last observed of it stays; the conditions say why.
    private static JsonObject ProjectWithoutLive(VvpDeploymentResource resource, SyncOutcome outcome, PlannerOptions options)
    {
        var previous = resource.Status;
        var status = previous is null ? new JsonObject() : (JsonObject)JsonTree.Detached(previous)!;
        if (status["customResourceStatus"] is not JsonObject crStatus)
        {
            status["customResourceStatus"] = crStatus = new JsonObject { ["customResourceState"] = "SYNCING" };
        }

        crStatus["observedGeneration"] = resource.Generation;
        status["observedGeneration"] = resource.Generation;
        // What the platform last showed stands for Ready; the outcome decides the rest.
        var before = Condition(previous, "Ready");
        var platform = before is null
            ? ("Unknown", "DeploymentNotRead", "The deployment was not read.")
            : (JsonRead.String(before, "status") ?? "Unknown", JsonRead.String(before, "reason") ?? "DeploymentNotRead", JsonRead.String(before, "message") ?? string.Empty);
        status["conditions"] = Conditions(outcome, platform, transitioning: false, resource.Generation, new Now(options.TimeProvider), previous);
        return status;
    }

    private static JsonObject SystemMetadata(JsonObject live, PlannerOptions options)
    {
        var metadata = JsonRead.Object(live, "metadata");
        var annotations = JsonRead.Object(metadata, "annotations");
        return new JsonObject
        {
            ["id"] = JsonTree.Detached(JsonRead.At(metadata, "id")),
            ["createdAt"] = JsonTree.Detached(JsonRead.At(metadata, "createdAt")),
            ["modifiedAt"] = JsonTree.Detached(JsonRead.At(metadata, "modifiedAt")),
            ["resourceVersion"] = JsonTree.Detached(JsonRead.At(metadata, "resourceVersion")),
            ["labels"] = JsonTree.Detached(JsonRead.Object(metadata, "labels")) ?? new JsonObject(),
            ["annotations"] = SystemAnnotations(annotations, options),
        };
    }

    private static JsonObject SystemAnnotations(JsonObject? annotations, PlannerOptions options)
    {
        var result = new JsonObject();
        for (var i = 0; i < (annotations?.Count ?? 0); i++)
        {
            var (key, value) = annotations!.GetAt(i);
            if (options.IsSystemAnnotation(key))
            {
                result[key] = JsonTree.Detached(value);
            }
        }

        return result;
    }

    // A string value copied as a node (no decoding); anything else reads as absent.
    private static JsonNode? StringCopy(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == System.Text.Json.JsonValueKind.String ? JsonTree.Detached(value) : null;

    private static (string Status, string Reason, string Message) Ready(JsonObject? live)
    {
        if (live is null)
        {
            return ("Unknown", "DeploymentAbsent", "The deployment does not exist yet.");
        }

        var desired = JsonRead.String(live, "spec", "state");
        var actual = JsonRead.String(live, "status", "state");
        if (desired is not null && desired == actual)
        {
            return actual switch
            {
                "RUNNING" => ("True", "Running", "The deployment is RUNNING, as desired."),
                "CANCELLED" => ("True", "Cancelled", "The deployment is CANCELLED, as desired."),
                "SUSPENDED" => ("True", "Suspended", "The deployment is SUSPENDED, as desired."),
                _ => ("True", ToReason(actual), $"The deployment is {actual}, as desired."),
            };
        }

        return ("False", actual is null ? "StatusUnknown" : ToReason(actual), $"The deployment is {actual ?? "in an unknown state"}; desired {desired ?? "unknown"}.");
    }

    private static string ToReason(string state) => state switch
    {
        "RUNNING" => "Running",
        "CANCELLED" => "Cancelled",
        "SUSPENDED" => "Suspended",
        "TRANSITIONING" => "Transitioning",
        "FAILED" => "Failed",
        "FINISHED" => "Finished",
        _ => string.Concat(state.Split('_').Select(w => w.Length == 0 ? w : w[..1].ToUpperInvariant() + w[1..].ToLowerInvariant())),
    };

    // A new condition; its transition time is kept from the condition it replaces when the status is the same.
    private static JsonObject NewCondition(string type, string status, string reason, string message, long? generation, Now now, JsonObject? before)
    {
        var transition = before is not null && JsonRead.String(before, "status") == status && JsonRead.String(before, "lastTransitionTime") is { } kept
            ? kept
            : now.Text;
        return new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["reason"] = reason,
            ["message"] = message,
            ["lastTransitionTime"] = transition,
            ["observedGeneration"] = generation,
        };
    }

    /// <summary>The projection's one clock reading, formatted once (Kubernetes' RFC 3339, seconds).</summary>
    private sealed class Now(TimeProvider time)
    {
        private string? _text;

        public string Text => _text ??= time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }
}
