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
public sealed partial class DeploymentPlanner
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
    private sealed partial class Context
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

        public Plan NoWrite(string reason, SyncOutcome outcome, string? knownHash = null) =>
            Build(PlanAction.None, reason, null, null, outcome, outcome.Kind, outcome.Idle ? null : SavepointForExisting(), _specUpdate, knownHash);

        public Plan Blocked(string reason, SyncOutcome outcome) =>
            Build(PlanAction.Blocked, reason, null, null, outcome, outcome.Kind, null, _specUpdate);

        private Plan Build(PlanAction action, string reason, JsonObject? request, JsonPatch? diff, SyncOutcome outcome, ReconcileOutcome planned, SavepointPlan? savepoint, JsonObject? specUpdate, string? knownHash = null)
        {
            if (request is not null && _resource.Generation is null)
            {
                // §10: the last-applied record travels in the write it records, as kubectl apply's annotation does.
                AddAppliedRecord(action, request, specUpdate);
            }

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
