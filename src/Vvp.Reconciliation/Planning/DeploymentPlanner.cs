using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

/// <summary>
/// The pure planner: from a CR and the live deployment (or none) it decides what to send, what to write
/// back onto the CR and which status to report. It performs no I/O; the same inputs give the same plan.
/// </summary>
/// <example>
/// <code>
/// var planner = new DeploymentPlanner(new PlannerOptions { Identity = "vvp-1" });
/// var plan = planner.Plan(cr, live: null);   // action create, request = the POST body
/// </code>
/// </example>
public sealed class DeploymentPlanner
{
    private readonly PlannerOptions _options;

    /// <summary>Creates a planner.</summary>
    /// <param name="options">The options; <see cref="PlannerOptions.Default"/> when omitted.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public DeploymentPlanner(PlannerOptions? options = null)
    {
        _options = options ?? PlannerOptions.Default;
        _options.Validate();
    }

    /// <summary>The options in use.</summary>
    public PlannerOptions Options => _options;

    /// <summary>Plans the reconcile of <paramref name="resource"/> against <paramref name="live"/>.</summary>
    /// <param name="resource">The CR.</param>
    /// <param name="live">The live deployment as the platform returns it, or <see langword="null"/> when absent.</param>
    /// <returns>The plan.</returns>
    public Plan Plan(VvpDeploymentResource resource, JsonObject? live)
    {
        ArgumentNullException.ThrowIfNull(resource);

        // Kubernetes bumps metadata.generation on every spec change: a generation that was synced was valid
        // then and is the same spec now, so the fast path needs neither validation nor a diff.
        if (live is not null && FastPath.InSync(resource, live, _options) is { } fast)
        {
            return fast;
        }

        var validation = resource.Validate(_options.MaxDepth);
        if (!validation.IsValid)
        {
            return Invalid(resource, live, validation.Errors);
        }

        try
        {
            var plan = PlanValid(resource, live);
            // A 400 is terminal until the CR changes: sending the same request again would fail the same way.
            return plan.IsWrite && FastPath.WasRejectedAtThisGeneration(resource)
                ? plan with { Action = PlanAction.Blocked, Reason = PlanReasons.Rejected, Outcome = ReconcileOutcome.StillRejected, Request = null, Savepoint = null, Status = resource.Status, StatusChanged = false }
                : plan;
        }
        catch (JsonDepthLimitExceededException ex)
        {
            // The CR passed validation, so the depth is the live deployment's.
            throw new ArgumentException($"The live deployment cannot be compared: {ex.Message}", nameof(live), ex);
        }
    }

    private Plan PlanValid(VvpDeploymentResource resource, JsonObject? live)
    {
        var context = new Context(resource, live, _options);
        if (live is null)
        {
            return context.Create();
        }

        var owner = _options.OwnerMarkerOf(live);
        if (owner is not null && owner != context.Owner)
        {
            return context.Blocked(
                PlanReasons.OwnedByAnother,
                SyncOutcome.Unsynced(ReconcileOutcome.OwnedByAnother, $"The deployment {context.Target} is owned by '{owner}', not '{context.Owner}'; it is not written."));
        }

        if (!_options.IsSyncing(live))
        {
            return context.NoWrite(PlanReasons.Idle, SyncOutcome.Unsynced(ReconcileOutcome.Idle, "CR syncing is off for this deployment: spec and metadata are not written."));
        }

        var markerPresent = owner is not null;
        if (markerPresent && resource.Generation is null && context.MatchesAppliedRecord())
        {
            return context.NoWrite(PlanReasons.InSync, SyncOutcome.InSync("The deployment is as this CR last applied it."));
        }

        return resource.SyncingMode == SyncingMode.Patch || !markerPresent
            ? context.Patch(markerPresent)
            : context.Replace();
    }

    /// <summary>
    /// The decision that needs no platform at all: a blocked plan for an invalid CR (no call may be made for it), or
    /// <see langword="null"/> when the CR may go on to be planned against its live deployment. A generation that the
    /// status says was synced was valid then and is the same spec now, so its schema evaluation — the dearest step
    /// of a reconcile — is skipped; any write still passes <see cref="Plan"/>'s own validation.
    /// </summary>
    /// <param name="resource">The CR.</param>
    /// <returns>The blocked plan, or <see langword="null"/>.</returns>
    public Plan? PlanWithoutPlatform(VvpDeploymentResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (resource.Target is not null && FastPath.WasSyncedAtThisGeneration(resource))
        {
            return null;
        }

        return resource.Validate(_options.MaxDepth).IsValid ? null : Plan(resource, null);
    }

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

    /// <summary>
    /// The bookkeeping a deployment this CR owns needs after a write or a verified sync: the last-applied record
    /// of a CR without <c>metadata.generation</c>, and the end of a PUT-mode adoption's guard once the CR states
    /// every field adoption synced back. It changes only marker annotations, never the user part.
    /// </summary>
    /// <param name="resource">The CR.</param>
    /// <param name="deployment">The deployment as the platform last returned it (the answer to the write, or the live one).</param>
    /// <returns>The merge patch to send, or <see langword="null"/> when there is nothing to record.</returns>
    public JsonObject? PlanRecord(VvpDeploymentResource resource, JsonObject deployment)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(deployment);
        if (resource.Target is null ||
            !_options.IsOwnedBy(deployment, resource) ||
            !_options.IsSyncing(deployment))
        {
            return null;
        }

        var adoptedGuard = resource.SyncingMode == SyncingMode.Put &&
                           JsonRead.At(deployment, "metadata", "annotations", _options.AdoptedFieldsAnnotation) is not null;
        if (resource.Generation is not null && !adoptedGuard)
        {
            return null;
        }

        var context = new Context(resource, deployment, _options);
        var annotations = new JsonObject();
        if (resource.Generation is null)
        {
            var record = context.AppliedRecord();
            if (JsonRead.String(deployment, "metadata", "annotations", _options.AppliedAnnotation) != record)
            {
                annotations[_options.AppliedAnnotation] = record;
            }
        }

        if (adoptedGuard && context.MissingAdoptedFields().Count == 0)
        {
            annotations[_options.AdoptedFieldsAnnotation] = null;
        }

        return annotations.Count == 0 ? null : new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } };
    }

    private Plan Invalid(VvpDeploymentResource resource, JsonObject? live, IReadOnlyList<ResourceMessage> errors)
    {
        var first = errors[0];
        var more = errors.Count > 1 ? $" (and {errors.Count - 1} more)" : string.Empty;
        var status = StatusProjection.Project(resource, live, SyncOutcome.Unsynced(ReconcileOutcome.InvalidSpec, $"{first}{more}") with { LiveUnknown = live is null }, _options);
        return new Plan
        {
            Target = resource.Target,
            Action = PlanAction.Blocked,
            Reason = PlanReasons.Invalid,
            Outcome = ReconcileOutcome.InvalidSpec,
            Status = status,
            StatusChanged = !JsonEquality.Equals(status, resource.Status),
            Errors = errors,
        };
    }

    /// <summary>Everything one planning pass derives from its inputs.</summary>
    private sealed class Context
    {
        private readonly VvpDeploymentResource _resource;
        private readonly JsonObject? _live;
        private readonly PlannerOptions _options;
        private readonly List<ResourceMessage> _warnings = [];
        private readonly List<ResourceMessage> _errors = [];
        private readonly JsonObject? _specUpdate;
        private JsonObject? _userMetadata;
        private JsonObject? _initUserMetadata;
        private JsonObject? _crUser;

        public Context(VvpDeploymentResource resource, JsonObject? live, PlannerOptions options)
        {
            _resource = resource;
            _live = live;
            _options = options;
            Target = resource.Target!;
            Owner = options.OwnerOf(resource);

            var erased = new List<string>();
            UserMetadataScrubber.FindErased(resource.UserMetadata, "/spec/deployment/userMetadata", options, erased);
            UserMetadataScrubber.FindErased(JsonRead.Object(resource.InitFields, "userMetadata"), "/spec/initFields/userMetadata", options, erased);
            foreach (var path in erased)
            {
                _warnings.Add(new ResourceMessage(path, "Erased: not a valid userMetadata key (valid: name, namespace, displayName, labels, annotations; system annotations are set by the platform).") { Code = PlanWarnings.KeysErased });
            }

            if (erased.Count > 0)
            {
                _specUpdate = WithDeployment(UserMetadata, resource.DeploymentSpec, scrubInitFields: true);
            }

            var recordedId = JsonRead.String(resource.Status, "customResourceStatus", "deploymentId");
            var liveId = recordedId is null ? null : JsonRead.String(live, "metadata", "id");
            if (recordedId is not null && recordedId != liveId)
            {
                _warnings.Add(new ResourceMessage(
                    "/spec/deployment/userMetadata/name",
                    $"The CR now points at a different deployment: the status records id {recordedId}, but {Target} is {(liveId is null ? "absent" : $"id {liveId}")}. The current target is used; the old deployment is left as it is.")
                { Code = PlanWarnings.TargetChanged });
            }

        }

        public DeploymentTarget Target { get; }

        public string Owner { get; }

        /// <summary>The CR's user part, built on first use: the in-sync path never needs it.</summary>
        public JsonObject CrUser => _crUser ??= UserParts.FromResource(UserMetadata, _resource.DeploymentSpec, Target);

        private JsonObject UserMetadata => _userMetadata ??= UserMetadataScrubber.Scrub(_resource.UserMetadata, options: _options);

        private JsonObject InitUserMetadata => _initUserMetadata ??= UserMetadataScrubber.Scrub(JsonRead.Object(_resource.InitFields, "userMetadata"), options: _options);

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
                    savepointStatus = SyncOutcome.SavepointStatus(location, "Pending", "Registered after the deployment is created.");
                }
                else
                {
                    var reason = "Not used: " + string.Join("; ", unmet) + ".";
                    _warnings.Add(new ResourceMessage("/spec/initialSavepointSpec", "The initial savepoint is skipped. " + reason) { Code = PlanWarnings.InitialSavepointSkipped });
                    savepointStatus = SyncOutcome.SavepointStatus(location, "Skipped", reason);
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
            if (diff.IsEmpty && markerPresent)
            {
                return NoWrite(PlanReasons.InSync, SyncOutcome.InSync());
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
                JsonPatch.CreateForMerge(JsonRead.Object(_live, "spec") ?? [], spec, "spec", operations, 2, maxDepth) is { } specBody)
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
            UserParts.EnsureAnnotations(liveUser);
            UserParts.EnsureAnnotations(desired);
            var body = (JsonObject)JsonMergePatch.Create(liveUser, desired, maxDepth)!;
            return PatchPlan(markerPresent: false, body, diff, adopted, specUpdate);
        }

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
                    SyncOutcome.Unsynced(ReconcileOutcome.AdoptedFieldsMissing, $"The CR does not state {missing.Count} field(s) that adopting {Target} synced back ({string.Join(", ", missing)}); a PUT would remove them, so nothing is written. Write the spec update back into the CR, or state the fields."),
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
                if (_options.IsSystemAnnotation(key))
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

        public Plan NoWrite(string reason, SyncOutcome outcome, string? knownHash = null) =>
            Build(PlanAction.None, reason, null, null, outcome, outcome.Kind, outcome.Idle ? null : SavepointForExisting(), _specUpdate, knownHash);

        public Plan Blocked(string reason, SyncOutcome outcome) =>
            Build(PlanAction.Blocked, reason, null, null, outcome, outcome.Kind, null, _specUpdate);

        private Plan Build(PlanAction action, string reason, JsonObject? request, JsonPatch? diff, SyncOutcome outcome, ReconcileOutcome planned, SavepointPlan? savepoint, JsonObject? specUpdate, string? knownHash = null)
        {
            var status = StatusProjection.Project(_resource, _live, WithSavepointStatus(outcome), _options, knownHash);
            return new Plan
            {
                Target = Target,
                Action = action,
                Reason = reason,
                Outcome = planned,
                Request = request,
                Diff = diff ?? new JsonPatch([]),
                Savepoint = savepoint,
                SpecUpdate = specUpdate,
                Status = status,
                StatusChanged = !JsonEquality.Equals(status, _resource.Status),
                Warnings = _warnings,
                Errors = _errors,
            };
        }

        /// <summary>The merged spec a create sends: <c>initFields.spec</c> under <c>deployment.spec</c>, nulls dropped.</summary>
        private JsonObject CreateSpec() => (JsonObject)UserParts.WithoutNulls(JsonMergePatch.Apply(
            JsonRead.Object(_resource.InitFields, "spec") ?? new JsonObject(),
            _resource.DeploymentSpec ?? new JsonObject(),
            _options.MaxDepth))!;

        /// <summary>The hash of what this CR states (its syncing mode and user part, nulls kept): the CR side of the applied record.</summary>
        private string CrHash()
        {
            var maxDepth = _options.MaxDepth + 3;
            var mode = _resource.SyncingMode == SyncingMode.Put ? "PUT" : "PATCH";
            return JsonCanonical.Hash(
                writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("mode", mode);
                    writer.WritePropertyName("user");
                    JsonCanonical.WriteCore(writer, CrUser, 2, maxDepth);
                    writer.WriteEndObject();
                },
                maxDepth);
        }

        /// <summary>The applied record for the deployment as given: <c>cr=&lt;hash&gt; live=&lt;hash&gt;</c>.</summary>
        public string AppliedRecord() => $"cr={CrHash()} live={UserParts.HashOfDeployment(_live!, _options)}";

        /// <summary>True when the deployment carries the applied record of exactly this CR and is unchanged since.</summary>
        public bool MatchesAppliedRecord() =>
            JsonRead.String(_live, "metadata", "annotations", _options.AppliedAnnotation) is { } recorded && recorded == AppliedRecord();

        /// <summary>The fields a PUT-mode adoption synced back that the CR does not state while the deployment has them.</summary>
        public List<string> MissingAdoptedFields()
        {
            var missing = new List<string>();
            if (JsonRead.String(_live, "metadata", "annotations", _options.AdoptedFieldsAnnotation) is not { } text)
            {
                return missing;
            }

            JsonArray? paths;
            try
            {
                paths = JsonNode.Parse(text) as JsonArray;
            }
            catch (System.Text.Json.JsonException)
            {
                return missing;
            }

            var stated = UserParts.WithoutNulls(CrUser);
            foreach (var path in (paths ?? []).Select(p => JsonRead.String(p)).OfType<string>())
            {
                if (JsonPointerText.TryParse(path, out var tokens) && JsonRead.At(stated, tokens) is null && JsonRead.At(_live, tokens) is not null)
                {
                    missing.Add(path);
                }
            }

            return missing;
        }

        // For an existing deployment: a registration owed since creation (crash safety) when the deployment
        // carries the intent marker, is still CANCELLED, and the status does not say it was registered (the
        // executor checks the platform's savepoint list before it registers, so it happens at most once);
        // otherwise a savepoint the CR asks for is skipped, because the deployment already exists.
        private SavepointPlan? SavepointForExisting()
        {
            var recorded = JsonRead.String(_resource.Status, "customResourceStatus", "initialSavepoint", "state");
            var location = JsonRead.String(_live, "metadata", "annotations", _options.InitialSavepointAnnotation);
            if (location is not null)
            {
                return recorded == "Registered" || JsonRead.String(_live, "spec", "state") != "CANCELLED"
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
                SavepointStatus = SyncOutcome.SavepointStatus(requested, "Skipped", reason);
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

        private JsonObject WithDeployment(JsonObject userMetadata, JsonObject? spec, bool scrubInitFields)
        {
            var crSpec = (JsonObject)_resource.Root["spec"]!.DeepClone();
            var deployment = crSpec["deployment"] as JsonObject ?? new JsonObject();
            crSpec["deployment"] = deployment;
            deployment["userMetadata"] = userMetadata.DeepClone();
            deployment["spec"] = spec?.DeepClone() ?? new JsonObject();
            if (scrubInitFields && crSpec["initFields"] is JsonObject initFields && initFields.ContainsKey("userMetadata"))
            {
                initFields["userMetadata"] = InitUserMetadata.DeepClone();
            }

            return crSpec;
        }
    }
}
