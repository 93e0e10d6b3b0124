using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Reconciling;

/// <summary>
/// Carries out plans against the platform and reports back: validate → resolve the token → read the live
/// deployment → plan → act → project the status from the platform's answer. Failures follow the
/// documented table: 404 on a write re-plans as a create, 409 re-reads and re-plans (at most
/// <see cref="ReconcilerOptions.MaxConflictRetries"/> times), 400 is terminal until the CR's generation
/// changes, transient failures are retried and then requeued with backoff.
/// </summary>
/// <example>
/// <code>
/// var reconciler = new VvpDeploymentReconciler(platform, options, secrets, logger);
/// var result = await reconciler.ReconcileAsync(cr, cancellationToken);
/// if (result.StatusChanged) { /* write result.Status to the CR's status subresource */ }
/// </code>
/// </example>
public sealed class VvpDeploymentReconciler
{
    private readonly IPlatformClient _platform;
    private readonly ISecretReader? _secrets;
    private readonly ReconcilerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ReconcilerTelemetry _telemetry;
    private readonly DeploymentPlanner _planner;
    private readonly HashSet<string> _watched;
    private readonly ResiliencePipeline _reads;

    /// <summary>Creates a reconciler.</summary>
    /// <param name="platform">The platform port.</param>
    /// <param name="options">The options; validated here.</param>
    /// <param name="secrets">Reads API tokens from Secrets; <see langword="null"/> when CRs never name one.</param>
    /// <param name="logger">The logger; none when omitted.</param>
    /// <param name="timeProvider">The clock; <see cref="TimeProvider.System"/> when omitted.</param>
    /// <param name="telemetry">The metrics; when omitted, the process's one set (a <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="ReconcilerTelemetry.Name"/> shared by every reconciler given none).</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public VvpDeploymentReconciler(
        IPlatformClient platform,
        ReconcilerOptions options,
        ISecretReader? secrets = null,
        ILogger<VvpDeploymentReconciler>? logger = null,
        TimeProvider? timeProvider = null,
        ReconcilerTelemetry? telemetry = null)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _platform = platform;
        _options = options;
        _secrets = secrets;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _telemetry = telemetry ?? ReconcilerTelemetry.Shared;
        _planner = new DeploymentPlanner(options.PlannerOptions(_time));
        _reads = ReadRetries();
        _watched = new HashSet<string>(options.WatchedNamespaces, StringComparer.Ordinal);
    }

    // The instruments this reconciler records on.
    internal ReconcilerTelemetry Telemetry => _telemetry;

    /// <summary>The planner this reconciler uses.</summary>
    public DeploymentPlanner Planner => _planner;

    /// <summary>True when CRs of <paramref name="kubernetesNamespace"/> are reconciled by this operator.</summary>
    /// <param name="kubernetesNamespace">A Kubernetes namespace.</param>
    /// <returns>Whether it is watched.</returns>
    public bool IsWatched(string kubernetesNamespace) => _watched.Contains(kubernetesNamespace);

    /// <summary>Reconciles one CR.</summary>
    /// <param name="resource">The CR as the host read it.</param>
    /// <param name="cancellationToken">Cancels the reconcile.</param>
    /// <returns>What happened and what the host must write.</returns>
    public Task<ReconcileResult> ReconcileAsync(VvpDeploymentResource resource, CancellationToken cancellationToken = default) =>
        ReconcileAsync(resource, ReconcileContext.Default, cancellationToken);

    /// <summary>Reconciles one CR, with what the host knows about this reconcile.</summary>
    /// <param name="resource">The CR as the host read it.</param>
    /// <param name="context">Why it runs, the check before a create, where a resync reads from.</param>
    /// <param name="cancellationToken">Cancels the reconcile.</param>
    /// <returns>What happened and what the host must write.</returns>
    public async Task<ReconcileResult> ReconcileAsync(VvpDeploymentResource resource, ReconcileContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(context);
        using var activity = ReconcilerTelemetry.ActivitySource.StartActivity("vvp.reconcile");
        activity?.SetTag("vvp.cr", $"{resource.KubernetesNamespace}/{resource.Name}");
        var started = _time.GetTimestamp();
        ReconcileResult? outcome = null;
        using var deadline = new CancellationTokenSource(_options.ReconcileTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            outcome = await ReconcileCoreAsync(resource, context, linked.Token).ConfigureAwait(false);
            activity?.SetTag("vvp.action", outcome.Plan?.Action.ToString());
            return outcome = _options.SpecWriteBack == SpecWriteBack.Report ? Reported(resource, outcome) : outcome;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _telemetry.Failures.Add(1, new KeyValuePair<string, object?>("kind", "Deadline"));
            var message = $"The reconcile did not finish within {_options.ReconcileTimeout.TotalSeconds:0.#} s; it is tried again later.";
            Log.PlatformFailure(_logger, resource.Target?.ToString() ?? "(none)", "Deadline", message);
            return outcome = Failed(resource, null, ReconcileOutcome.TransientFailure, message, [], liveKnown: false, null);
        }
        finally
        {
            var result = new KeyValuePair<string, object?>("result", ResultOf(outcome));
            _telemetry.Reconciles.Add(1, result);
            _telemetry.Duration.Record(_time.GetElapsedTime(started).TotalSeconds, result);
        }
    }

    /// <summary>Carries out the deletion policy for a CR being deleted.</summary>
    /// <param name="resource">The CR being deleted.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The result; <see cref="DeletionResult.Finished"/> says when the host may let the CR go.</returns>
    public async Task<DeletionResult> DeleteAsync(VvpDeploymentResource resource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (!IsWatched(resource.KubernetesNamespace))
        {
            return new DeletionResult { Finished = true };
        }

        if (_options.DeletionPolicy == DeletionPolicy.Orphan || resource.Target is not { } target)
        {
            var orphan = _planner.PlanDeletion(resource, null, _options.DeletionPolicy);
            return Finished(ReconcileEvent.Normal(orphan.Reason, orphan.Message));
        }

        var credential = await CredentialResolver.ResolveAsync(resource, _secrets, _options.AuthenticationRequired, cancellationToken).ConfigureAwait(false);
        if (!credential.IsUsable)
        {
            return new DeletionResult { Events = [Event(ReconcileOutcome.Unauthenticated, credential.Failure!)], RequeueAfter = _options.FailureRequeue };
        }

        try
        {
            var live = await ReadLiveAsync(target, credential.Token, cancellationToken).ConfigureAwait(false);
            var plan = _planner.PlanDeletion(resource, live, _options.DeletionPolicy);
            var message = plan.IsWarning ? ReconcileEvent.Warning(plan.Reason, plan.Message) : ReconcileEvent.Normal(plan.Reason, plan.Message);
            switch (plan.Step)
            {
                case DeletionStep.Cancel:
                    await _platform.PatchDeploymentAsync(target.Namespace, target.Name, plan.Request!, credential.Token, cancellationToken).ConfigureAwait(false);
                    _telemetry.Writes.Add(1, new KeyValuePair<string, object?>("kind", "cancel"));
                    return plan.FinishedAfterWrite
                        ? Finished(message, 1)
                        : new DeletionResult { Writes = 1, RequeueAfter = _options.TransitioningRequeue, Events = [message] };
                case DeletionStep.WaitForCancelled:
                    return new DeletionResult { RequeueAfter = _options.TransitioningRequeue, Events = [message] };
                case DeletionStep.Delete:
                    await _platform.DeleteDeploymentAsync(target.Namespace, target.Name, credential.Token, cancellationToken).ConfigureAwait(false);
                    _telemetry.Writes.Add(1, new KeyValuePair<string, object?>("kind", "delete"));
                    return Finished(message, 1);
                default:
                    return Finished(message);
            }
        }
        catch (PlatformException ex)
        {
            _telemetry.Failures.Add(1, new KeyValuePair<string, object?>("kind", ex.Kind.ToString()));
            var text = DisplayText.Clean(ex.Message, DisplayText.DefaultMaxLength, credential.Token);
            Log.PlatformFailure(_logger, target.ToString(), ex.Kind.ToString(), text);
            return new DeletionResult { RequeueAfter = Backoff(resource, ex), Events = [Event(Outcomes.OfFailure(ex.Kind), text)] };
        }

        DeletionResult Finished(ReconcileEvent message, int writes = 0) =>
            new() { Finished = true, Writes = writes, Events = [message] };
    }

    private async Task<ReconcileResult> ReconcileCoreAsync(VvpDeploymentResource resource, ReconcileContext context, CancellationToken cancellationToken)
    {
        if (!IsWatched(resource.KubernetesNamespace))
        {
            Log.NotWatched(_logger, resource.KubernetesNamespace, resource.Name);
            return new ReconcileResult { Outcome = ReconcileOutcome.NotWatched, Status = resource.Status };
        }

        Log.Reconciling(_logger, resource.KubernetesNamespace, resource.Name, resource.Target?.ToString());
        // An invalid CR is decided without the platform; the planner owns the rule of when validation may be skipped.
        if (_planner.PlanWithoutPlatform(resource) is { } invalid)
        {
            _telemetry.Failures.Add(1, new KeyValuePair<string, object?>("kind", "InvalidSpec"));
            var first = invalid.Errors[0];
            return FromPlan(invalid, [Event(invalid.Outcome, $"The CR is invalid ({invalid.Errors.Count} error(s)); nothing is sent to the platform. First: {first}")], 0, requeue: null);
        }

        var target = resource.Target!;
        var events = new List<ReconcileEvent>();
        // A token the host was given directly wins over whatever the CR's annotations name (§13).
        var credential = context.Token is { } given
            ? new CredentialResult(given, null, [])
            : await CredentialResolver.ResolveAsync(resource, _secrets, _options.AuthenticationRequired, cancellationToken).ConfigureAwait(false);
        events.AddRange(credential.Warnings);
        foreach (var warning in credential.Warnings)
        {
            Log.Warning(_logger, resource.KubernetesNamespace, resource.Name, warning.Message);
        }

        if (!credential.IsUsable)
        {
            _telemetry.Failures.Add(1, new KeyValuePair<string, object?>("kind", "Unauthenticated"));
            return Failed(resource, null, ReconcileOutcome.Unauthenticated, credential.Failure!, events, liveKnown: false, null);
        }

        var token = credential.Token;
        JsonObject? live = null;
        var liveKnown = false;
        var writes = 0;
        try
        {
            live = context is { Trigger: ReconcileTrigger.Resync, ResyncRead: { } resyncRead }
                ? Readable(await RetryingAsync(target, () => resyncRead(target, token, cancellationToken), cancellationToken).ConfigureAwait(false))
                : await ReadLiveAsync(target, token, cancellationToken).ConfigureAwait(false);
            liveKnown = true;
            var conflicts = 0;
            var transientWrites = 0;
            while (true)
            {
                var plan = _planner.Plan(resource, live);
                if (plan.IsWrite)
                {
                    Log.Planned(_logger, plan.Action.ToString(), plan.Reason, target.ToString());
                }
                else
                {
                    Log.PlannedNothing(_logger, plan.Action.ToString(), plan.Reason, target.ToString());
                }
                events.AddRange(plan.Warnings.Select(w => ReconcileEvent.Warning(w.Code ?? "Warning", $"{w.Path}: {w.Message}")));
                if (!plan.IsWrite)
                {
                    return await FinishWithBookkeepingAsync(resource, plan, live, token, events, context.DryRun, cancellationToken).ConfigureAwait(false);
                }

                if (context.DryRun)
                {
                    return FromPlan(plan, events, 0, requeue: null);
                }

                if (_options.DriftPolicy == DriftPolicy.Report && IsDrift(resource, plan))
                {
                    // The edit made on the platform stays; the status says which fields differ.
                    var fields = string.Join(", ", plan.Diff.Operations.Select(o => o.Path));
                    var left = StatusProjection.WithDrifted(
                        StatusProjection.Project(resource, live, SyncOutcome.InSync($"The deployment was changed on the platform ({fields}); driftPolicy Report leaves it so."), _planner.Options),
                        resource,
                        fields,
                        _planner.Options);
                    return new ReconcileResult { Outcome = ReconcileOutcome.InSync, Status = left, StatusChanged = !Json.JsonEquality.Equals(left, resource.Status), Plan = plan, Events = events, RequeueAfter = RequeueFor(live) };
                }

                if (plan.Action == PlanAction.Create && context.ConfirmBeforeCreate is { } confirm && !await confirm(cancellationToken).ConfigureAwait(false))
                {
                    // The host's cache lags the API: a CR deleted meanwhile never re-creates its deployment.
                    return new ReconcileResult { Outcome = ReconcileOutcome.CustomResourceGone, Status = resource.Status, Plan = plan, Events = events, Writes = writes };
                }

                JsonObject written;
                try
                {
                    written = await WriteAsync(target, plan, token, cancellationToken).ConfigureAwait(false);
                }
                catch (PlatformException ex) when (ex.Kind == PlatformErrorKind.NotFound && plan.Action != PlanAction.Create)
                {
                    live = null;
                    continue;
                }
                catch (PlatformException ex) when (ex.Kind == PlatformErrorKind.Conflict && conflicts < _options.MaxConflictRetries)
                {
                    conflicts++;
                    live = await ReadLiveAsync(target, token, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                catch (PlatformException ex) when (ex.Kind == PlatformErrorKind.Transient && transientWrites < _options.TransientRetries && WaitsWithin(ex))
                {
                    // POST and PATCH are never resent blindly: the write may have happened. Re-read and re-plan.
                    transientWrites++;
                    await DelayAsync(target, transientWrites, ex, cancellationToken).ConfigureAwait(false);
                    live = await ReadLiveAsync(target, token, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                writes++;
                EnsureAnswerIsFor(target, written, plan.Action);
                var kind = plan.Action.ToString().ToLowerInvariant();
                _telemetry.Writes.Add(1, new KeyValuePair<string, object?>("kind", kind));
                Log.Wrote(_logger, plan.Action.ToString(), target.ToString(), JsonRead.Text(written, "metadata", "resourceVersion"));
                var reason = Outcomes.Of(plan.Outcome).ConditionReason;
                events.Add(Event(plan.Outcome, $"{reason} the deployment {target} ({plan.Reason})."));
                if (DriftCorrected(resource, plan, live) is { } drift)
                {
                    events.Add(drift);
                }

                var savepointStatus = JsonRead.Object(plan.Status, "customResourceStatus", "initialSavepoint");
                TimeSpan? requeue = null;
                if (plan.Savepoint is { Register: true } savepoint)
                {
                    (savepointStatus, var registered, _) = await RegisterSavepointAsync(target, written, savepoint.Location, token, events, dryRun: false, cancellationToken).ConfigureAwait(false);
                    writes += registered ? 1 : 0;
                    requeue = registered ? null : _options.TransitioningRequeue;
                }

                // The record (of a CR without a generation: others keep none) describes the CR as it reads once the host
                // writes its spec update back (§10).
                var recordedCr = resource.Generation is null ? _planner.AfterWriteBack(resource, plan.SpecUpdate) : resource;
                (written, var recorded) = await RecordAsync(recordedCr, written, token, events, cancellationToken).ConfigureAwait(false);
                writes += recorded;
                var outcome = SyncOutcome.Written(plan.Outcome, $"{reason} the deployment {target}.") with { InitialSavepoint = savepointStatus?.DeepClone() as JsonObject };
                var status = StatusProjection.Project(resource, written, outcome, _planner.Options);
                return Synced(resource, plan, plan.Outcome, status, events, writes, requeue ?? RequeueFor(written));
            }
        }
        catch (PlatformException ex)
        {
            _telemetry.Failures.Add(1, new KeyValuePair<string, object?>("kind", ex.Kind.ToString()));
            var text = DisplayText.Clean(ex.Message, DisplayText.DefaultMaxLength, token);
            Log.PlatformFailure(_logger, target.ToString(), ex.Kind.ToString(), text);
            var message = ex.Kind switch
            {
                PlatformErrorKind.Protocol => $"The platform's answer was not what the API specifies: {text}",
                PlatformErrorKind.Unsupported => text,
                PlatformErrorKind.Rejected => $"The platform rejected the request: {text}",
                PlatformErrorKind.Unauthenticated => $"The platform refused the API token (401): {text}",
                PlatformErrorKind.Forbidden => $"The API token is not allowed to do this (403); the token needs the editor or owner role: {text}",
                PlatformErrorKind.Conflict => $"The deployment kept changing while it was written ({_options.MaxConflictRetries} conflicts): {text}",
                _ => $"The platform could not be reached or failed: {text}",
            };
            return Failed(resource, live, Outcomes.OfFailure(ex.Kind), message, events, liveKnown, ex, writes);
        }
    }

    private async Task<ReconcileResult> FinishWithBookkeepingAsync(VvpDeploymentResource resource, Plan plan, JsonObject? live, ApiToken? token, List<ReconcileEvent> events, bool dryRun, CancellationToken cancellationToken)
    {
        if (plan.Action == PlanAction.Blocked)
        {
            // A generation the platform already rejected was counted and reported when it was rejected.
            if (Outcomes.Of(plan.Outcome).EventReason is not null)
            {
                _telemetry.Failures.Add(1, new KeyValuePair<string, object?>("kind", plan.Reason));
                events.Add(Event(plan.Outcome, JsonRead.String(StatusProjection.Condition(plan.Status, "Synced"), "message") ?? plan.Reason));
            }

            return FromPlan(plan, events, 0, RequeueAfter(plan.Outcome, resource, null, live));
        }

        if (plan.Savepoint is { Register: true } savepoint && live is not null)
        {
            // A registration owed since creation (a crash, or a failure after the create), unless the platform lists it.
            var (savepointStatus, registered, listed) = await RegisterSavepointAsync(resource.Target!, live, savepoint.Location, token, events, dryRun, cancellationToken).ConfigureAwait(false);
            if (savepointStatus is null)
            {
                // A dry run: the registration would be sent.
                return FromPlan(plan, events, 0, requeue: null);
            }

            var status = StatusProjection.Project(resource, live, SyncOutcome.InSync() with { InitialSavepoint = savepointStatus }, _planner.Options);
            if (!listed)
            {
                return Synced(resource, plan, ReconcileOutcome.InSync, status, events, registered ? 1 : 0, registered ? RequeueFor(live) : _options.TransitioningRequeue);
            }

            // Nothing is owed: the plan says so, and the status records what the platform lists.
            plan = plan with { Savepoint = null, Status = status, StatusChanged = !Json.JsonEquality.Equals(status, resource.Status) };
        }

        if (plan.Reason == PlanReasons.InSync && live is not null && dryRun)
        {
            return _planner.PlanRecord(resource, live) is { } record
                ? FromPlan(plan with { Action = PlanAction.Patch, Reason = PlanReasons.Record, Request = record }, events, 0, requeue: null)
                : FromPlan(plan, events, 0, requeue: null);
        }

        if (plan.Reason == PlanReasons.InSync && live is not null)
        {
            var (answer, recorded) = await RecordAsync(resource, live, token, events, cancellationToken).ConfigureAwait(false);
            if (recorded > 0)
            {
                var status = StatusProjection.Project(resource, answer, SyncOutcome.InSync(), _planner.Options);
                return Synced(resource, plan, ReconcileOutcome.InSync, status, events, recorded, RequeueFor(answer));
            }
        }

        return FromPlan(plan, events, 0, RequeueAfter(plan.Outcome, resource, null, live));
    }

    // A write at a generation already synced corrects an edit made on the platform (the UI), not a change of the CR.
    private static bool IsDrift(VvpDeploymentResource resource, Plan plan) =>
        plan.Reason == PlanReasons.Drift && resource.Generation is { } generation &&
        JsonRead.Int64(resource.Status, "customResourceStatus", "lastSyncedGeneration") == generation && plan.Diff.Operations.Count > 0;

    // §16: the Event of a drift corrected names each field with its old and new value; a flinkConfiguration value
    // whose key looks secret is masked.
    private static ReconcileEvent? DriftCorrected(VvpDeploymentResource resource, Plan plan, JsonObject? live)
    {
        if (live is null || !IsDrift(resource, plan))
        {
            return null;
        }

        var fields = plan.Diff.Operations.Select(o =>
        {
            var old = JsonPointerText.TryParse(o.Path, out var tokens) ? JsonRead.At(live, tokens) : null;
            return Secret(o.Path)
                ? $"{o.Path}: *** → ***"
                : $"{o.Path}: {Shown(old, o.Op == JsonPatchOperationType.Add)} → {Shown(o.Value, o.Op == JsonPatchOperationType.Remove)}";
        });
        return ReconcileEvent.Normal("DriftCorrected", DisplayText.Clean($"Corrected {plan.Diff.Operations.Count} field(s) changed on the platform: {string.Join("; ", fields)}.", 1000));

        static string Shown(JsonNode? value, bool absent) => absent ? "(absent)" : value?.ToJsonString() ?? "null";

        static bool Secret(string path) =>
            path.Contains("/flinkConfiguration/", StringComparison.Ordinal) &&
            SecretWords.Any(word => path[(path.LastIndexOf('/') + 1)..].Contains(word, StringComparison.OrdinalIgnoreCase));
    }

    private static readonly string[] SecretWords = ["password", "secret", "token", "credential", "key"];

    // specWriteBack: Report: the spec update goes into the status for the user to commit, with an Event when it is new.
    private ReconcileResult Reported(VvpDeploymentResource resource, ReconcileResult result)
    {
        // The fast path hands back the stored status, which already reports what is pending for this generation.
        if (result.Status is not { } status || result.Outcome is ReconcileOutcome.NotWatched or ReconcileOutcome.CustomResourceGone ||
            (result.SpecUpdate is null && ReferenceEquals(status, resource.Status)))
        {
            return result;
        }

        var reported = StatusProjection.WithPendingSpecUpdate(status, resource, result.SpecUpdate, _planner.Options);
        var events = result.Events;
        if (reported["pendingSpecUpdate"] is JsonArray pending && !Json.JsonEquality.Equals(pending, JsonRead.At(resource.Status, "pendingSpecUpdate")))
        {
            var fields = string.Join(", ", pending.OfType<JsonObject>().Select(o => JsonRead.String(o, "path")));
            events = [.. events, ReconcileEvent.Normal("SpecUpdatePending", $"Commit to the CR's source (specWriteBack: Report): {DisplayText.Clean(fields, 1000)}; status.pendingSpecUpdate holds the RFC 6902 patch.")];
        }

        return result with { Status = reported, StatusChanged = !Json.JsonEquality.Equals(reported, resource.Status), Events = events };
    }

    // The planner's bookkeeping (the applied record, the end of an adoption guard): marker annotations only. A failure
    // leaves the deployment as written; the next reconcile compares in full and records again.
    private async Task<(JsonObject Deployment, int Writes)> RecordAsync(VvpDeploymentResource resource, JsonObject deployment, ApiToken? token, List<ReconcileEvent> events, CancellationToken cancellationToken)
    {
        if (_planner.PlanRecord(resource, deployment) is not { } record)
        {
            return (deployment, 0);
        }

        var target = resource.Target!;
        try
        {
            var answer = Readable(await _platform.PatchDeploymentAsync(target.Namespace, target.Name, record, token, cancellationToken).ConfigureAwait(false))!;
            _telemetry.Writes.Add(1, new KeyValuePair<string, object?>("kind", "record"));
            Log.Wrote(_logger, "Record", target.ToString(), JsonRead.Text(answer, "metadata", "resourceVersion"));
            return (answer, 1);
        }
        catch (PlatformException ex)
        {
            _telemetry.Failures.Add(1, new KeyValuePair<string, object?>("kind", "Record" + ex.Kind));
            events.Add(ReconcileEvent.Warning("RecordPending", $"The deployment {target} is in sync, but its bookkeeping annotations could not be written: {DisplayText.Clean(ex.Message, DisplayText.DefaultMaxLength, token)}. They are written on the next reconcile."));
            return (deployment, 0);
        }
    }

    // Registers an owed initial savepoint unless the platform lists it (Listed). A dry run only checks: a status of null
    // then means "the registration would be sent".
    private async Task<(JsonObject? Status, bool Registered, bool Listed)> RegisterSavepointAsync(DeploymentTarget target, JsonObject deployment, string location, ApiToken? token, List<ReconcileEvent> events, bool dryRun, CancellationToken cancellationToken)
    {
        var id = JsonRead.String(deployment, "metadata", "id");
        if (id is null)
        {
            return (SyncOutcome.SavepointStatus(location, InitialSavepointState.Pending, "The deployment has no id yet."), false, false);
        }

        try
        {
            var existing = await RetryingAsync(target, () => _platform.ListSavepointsAsync(target.Namespace, id, token, cancellationToken), cancellationToken).ConfigureAwait(false);
            if (existing.Any(s => JsonRead.String(s, "spec", "savepointLocation") == location))
            {
                return (SyncOutcome.SavepointStatus(location, InitialSavepointState.Registered, "The platform lists the savepoint for the deployment."), false, true);
            }

            if (dryRun)
            {
                return (null, false, false);
            }

            var body = DeploymentPlanner.PlanSavepointRegistration(location, deployment)!;
            await _platform.CreateSavepointAsync(target.Namespace, body, token, cancellationToken).ConfigureAwait(false);
            _telemetry.Writes.Add(1, new KeyValuePair<string, object?>("kind", "savepoint"));
            Log.SavepointRegistered(_logger, target.ToString(), location);
            events.Add(ReconcileEvent.Normal("SavepointRegistered", $"Registered the initial savepoint {location} for {target}."));
            return (SyncOutcome.SavepointStatus(location, InitialSavepointState.Registered, "Registered after the deployment was created."), true, false);
        }
        catch (PlatformException ex)
        {
            // The deployment is written either way; the registration stays owed and is tried again.
            _telemetry.Failures.Add(1, new KeyValuePair<string, object?>("kind", "Savepoint" + ex.Kind));
            events.Add(ReconcileEvent.Warning("SavepointPending", $"The initial savepoint {location} is not registered yet: {DisplayText.Clean(ex.Message, DisplayText.DefaultMaxLength, token)}. It is retried on the next reconcile."));
            return (SyncOutcome.SavepointStatus(location, InitialSavepointState.Pending, $"Registration failed: {DisplayText.Clean(ex.Message, DisplayText.DefaultMaxLength, token)}"), false, false);
        }
    }

    private async Task<JsonObject> WriteAsync(DeploymentTarget target, Plan plan, ApiToken? token, CancellationToken cancellationToken) => Readable(await (plan.Action switch
    {
        PlanAction.Create => _platform.CreateDeploymentAsync(target.Namespace, plan.Request!, token, cancellationToken),
        PlanAction.Patch => _platform.PatchDeploymentAsync(target.Namespace, target.Name, plan.Request!, token, cancellationToken),
        PlanAction.Replace => _platform.ReplaceDeploymentAsync(target.Namespace, target.Name, plan.Request!, token, cancellationToken),
        _ => throw new InvalidOperationException($"{plan.Action} is not a write."),
    }).ConfigureAwait(false))!;

    private async Task<JsonObject?> ReadLiveAsync(DeploymentTarget target, ApiToken? token, CancellationToken cancellationToken) =>
        Readable(await RetryingAsync(target, () => _platform.GetDeploymentAsync(target.Namespace, target.Name, token, cancellationToken), cancellationToken).ConfigureAwait(false));

    // A deployment nested deeper than the planner compares (the CR's depth and the user part's two levels) is not a
    // deployment the API describes: a protocol error, before anything is planned or recorded from it.
    private JsonObject? Readable(JsonObject? deployment)
    {
        try
        {
            JsonTree.Depth(deployment, _planner.Options.MaxDepth + 2);
            return deployment;
        }
        catch (JsonDepthLimitExceededException ex)
        {
            throw new PlatformException(PlatformErrorKind.Protocol, $"The platform answered with a deployment that cannot be compared: {ex.Message}");
        }
    }

    // Reads are idempotent: retried by one Polly pipeline on the reconciler's clock, with the delay of RetryDelay.
    private async Task<T> RetryingAsync<T>(DeploymentTarget target, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RetryTarget, target);
        try
        {
            return await _reads.ExecuteAsync(static async (_, read) => await read().ConfigureAwait(false), context, call).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static readonly ResiliencePropertyKey<DeploymentTarget> RetryTarget = new("vvp.target");

    private ResiliencePipeline ReadRetries() => _options.TransientRetries == 0
        ? ResiliencePipeline.Empty
        : new ResiliencePipelineBuilder { TimeProvider = _time }.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = _options.TransientRetries,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is PlatformException { Kind: PlatformErrorKind.Transient } ex && WaitsWithin(ex)),
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(RetryDelay(args.AttemptNumber + 1, (PlatformException)args.Outcome.Exception!)),
            OnRetry = args =>
            {
                Log.Retrying(_logger, args.Context.Properties.GetValue(RetryTarget, null!)?.ToString() ?? "(none)", args.RetryDelay);
                return default;
            },
        }).Build();

    // A Retry-After beyond the cap is not waited here: the reconcile ends, and the wait becomes the requeue hint.
    private bool WaitsWithin(PlatformException ex) => ex.RetryAfter is not { } wait || wait <= _options.MaxRetryAfter;

    // The wait before retry number `attempt` (1 for the first): the platform's Retry-After when longer, else a doubling
    // delay with jitter. Reads (the Polly pipeline) and re-reads after a failed write wait the same.
    private TimeSpan RetryDelay(int attempt, PlatformException ex)
    {
        var baseDelay = _options.TransientRetryDelay * Math.Pow(2, attempt - 1);
        var jitter = 0.8 + (0.4 * _options.Random.NextDouble());
        var delay = ex.RetryAfter is { } retryAfter && retryAfter > baseDelay ? retryAfter : baseDelay * jitter;
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }

    private Task DelayAsync(DeploymentTarget target, int attempt, PlatformException ex, CancellationToken cancellationToken)
    {
        var delay = RetryDelay(attempt, ex);
        Log.Retrying(_logger, target.ToString(), delay);
        return delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _time, cancellationToken);
    }

    // An answer about another deployment is a protocol error: nothing is recorded as synced from it.
    private static void EnsureAnswerIsFor(DeploymentTarget target, JsonObject answer, PlanAction action)
    {
        var name = JsonRead.String(answer, "metadata", "name");
        var ns = JsonRead.String(answer, "metadata", "namespace");
        if (name != target.Name || (ns is not null && ns != target.Namespace))
        {
            var verb = action switch { PlanAction.Create => "POST", PlanAction.Patch => "PATCH", _ => "PUT" };
            throw new PlatformException(
                PlatformErrorKind.Protocol,
                $"The platform answered the {verb} for {target} with the deployment {DisplayText.Clean(ns ?? "?", 80)}/{DisplayText.Clean(name ?? "(no name)", 80)}.");
        }
    }

    private static ReconcileResult Synced(VvpDeploymentResource resource, Plan plan, ReconcileOutcome outcome, JsonObject status, IReadOnlyList<ReconcileEvent> events, int writes, TimeSpan? requeue) => new()
    {
        Outcome = outcome,
        Status = status,
        StatusChanged = !Json.JsonEquality.Equals(status, resource.Status),
        SpecUpdate = plan.SpecUpdate,
        Events = events,
        Plan = plan,
        Writes = writes,
        RequeueAfter = requeue,
    };

    private static ReconcileResult FromPlan(Plan plan, IReadOnlyList<ReconcileEvent> events, int writes, TimeSpan? requeue) => new()
    {
        Outcome = plan.Outcome,
        Status = plan.Status,
        StatusChanged = plan.StatusChanged,
        SpecUpdate = plan.SpecUpdate,
        Events = events,
        Plan = plan,
        Writes = writes,
        RequeueAfter = requeue,
    };

    private ReconcileResult Failed(VvpDeploymentResource resource, JsonObject? live, ReconcileOutcome outcome, string message, List<ReconcileEvent> events, bool liveKnown, PlatformException? ex, int writes = 0)
    {
        events.Add(Event(outcome, message));
        var status = StatusProjection.Project(resource, live, SyncOutcome.Unsynced(outcome, message) with { LiveUnknown = !liveKnown }, _planner.Options);
        return new ReconcileResult
        {
            Outcome = outcome,
            Status = status,
            StatusChanged = !Json.JsonEquality.Equals(status, resource.Status),
            Events = events,
            Writes = writes,
            RequeueAfter = RequeueAfter(outcome, resource, ex, live),
        };
    }

    // The Event that reports an outcome, under the reason the one mapping gives it.
    private static ReconcileEvent Event(ReconcileOutcome outcome, string message)
    {
        var traits = Outcomes.Of(outcome);
        var reason = traits.EventReason ?? traits.ConditionReason;
        return traits.EventIsWarning ? ReconcileEvent.Warning(reason, message) : ReconcileEvent.Normal(reason, message);
    }

    // The requeue class of the outcome, in this reconciler's timings.
    private TimeSpan? RequeueAfter(ReconcileOutcome outcome, VvpDeploymentResource resource, PlatformException? ex, JsonObject? live) => Outcomes.Of(outcome).Requeue switch
    {
        RequeueClass.None => null,
        RequeueClass.WhileTransitioning => RequeueFor(live),
        RequeueClass.Backoff => Backoff(resource, ex),
        RequeueClass.Longest => _options.MaxFailureRequeue,
        RequeueClass.UntilChanged => null,
    };

    private TimeSpan? RequeueFor(JsonObject? live)
    {
        if (live is null)
        {
            return null;
        }

        var state = JsonRead.String(live, "status", "state");
        return state == "TRANSITIONING" || (state is not null && state != JsonRead.String(live, "spec", "state") && state is not ("FAILED" or "FINISHED"))
            ? _options.TransitioningRequeue
            : null;
    }

    // Exponential backoff without extra state: twice as long as the Synced condition has been failing, within bounds.
    private TimeSpan Backoff(VvpDeploymentResource resource, PlatformException? ex)
    {
        var backoff = _options.FailureRequeue;
        var synced = StatusProjection.Condition(resource.Status, "Synced");
        if (JsonRead.String(synced, "status") == "False" && JsonRead.String(synced, "reason") is { } reason && reason != Outcomes.Of(ReconcileOutcome.Pending).ConditionReason &&
            DateTimeOffset.TryParse(JsonRead.String(synced, "lastTransitionTime"), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var since))
        {
            var failingFor = _time.GetUtcNow() - since;
            if (failingFor > backoff)
            {
                backoff = failingFor * 2;
            }
        }

        if (ex?.RetryAfter is { } retryAfter && retryAfter > backoff)
        {
            backoff = retryAfter;
        }

        return backoff > _options.MaxFailureRequeue ? _options.MaxFailureRequeue : backoff;
    }

    // The reconcile counter's result tag: what a dashboard tells apart.
    private static string ResultOf(ReconcileResult? result) => result switch
    {
        null => "failed",
        { Outcome: ReconcileOutcome.NotWatched or ReconcileOutcome.CustomResourceGone } => "ignored",
        { Writes: > 0 } => "wrote",
        { IsFailure: true } => "failed",
        { Outcome: ReconcileOutcome.Idle } => "idle",
        _ => "in_sync",
    };
}
