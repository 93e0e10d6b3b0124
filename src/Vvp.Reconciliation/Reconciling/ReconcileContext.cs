using System.Text.Json.Nodes;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Reconciling;

/// <summary>Why a host reconciles a CR now.</summary>
public enum ReconcileTrigger
{
    /// <summary>The CR (or something it names, such as its Secret) changed, or it was asked for directly.</summary>
    Change,

    /// <summary>The host's periodic look at every CR.</summary>
    Resync,
}

/// <summary>
/// What a host tells the reconciler about one reconcile, beyond the CR itself: why it runs, a check that the CR still
/// exists right before its deployment is created, and where a resync reads the live deployment from.
/// </summary>
public sealed record ReconcileContext
{
    /// <summary>A change, with no checks: what a host without a cache (a pipeline, a test) needs.</summary>
    public static ReconcileContext Default { get; } = new();

    /// <summary>Why the reconcile runs. Default <see cref="ReconcileTrigger.Change"/>.</summary>
    public ReconcileTrigger Trigger { get; init; } = ReconcileTrigger.Change;

    /// <summary>
    /// Asked right before a deployment is created: <see langword="false"/> when the CR no longer exists (a host's cache
    /// lags the API). Nothing is created then and the outcome is <see cref="Planning.ReconcileOutcome.CustomResourceGone"/>.
    /// <see langword="null"/>: no check.
    /// </summary>
    public Func<CancellationToken, Task<bool>>? ConfirmBeforeCreate { get; init; }

    /// <summary>
    /// For <see cref="ReconcileTrigger.Resync"/>: reads the live deployment where the host reads it (one LIST of the
    /// platform namespace shared by a resync's CRs, or a GET whose answer the host keeps) instead of the reconciler's
    /// own GET, with the same retries of transient failures. Only the first read of the reconcile uses it; a re-read
    /// after a conflict or a failed write asks the platform. <see langword="null"/>: every read asks the platform.
    /// </summary>
    public Func<DeploymentTarget, ApiToken?, CancellationToken, Task<JsonObject?>>? ResyncRead { get; init; }

    /// <summary>
    /// A token the host was given directly (a pipeline's token file or environment variable): used for every call of
    /// this reconcile, whatever the CR's annotations name (SEMANTICS §13). <see langword="null"/>: the token is found
    /// from the CR's annotations.
    /// </summary>
    public ApiToken? Token { get; init; }

    /// <summary>
    /// Reads everything a reconcile reads and writes nothing: the result's <see cref="ReconcileResult.Plan"/> is the
    /// write that would be sent (a bookkeeping write of marker annotations included, as a patch with the reason
    /// <see cref="Planning.PlanReasons.Record"/>), and an owed savepoint registration is checked against the platform's
    /// savepoint list, exactly as a reconcile that writes checks it. What <c>vvp-reconcile diff</c> runs.
    /// </summary>
    public bool DryRun { get; init; }
}
