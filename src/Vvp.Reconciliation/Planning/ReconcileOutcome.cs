namespace Vvp.Reconciliation.Planning;

/// <summary>
/// Everything a reconcile can end in: a closed set. What each outcome means for the CR's <c>Synced</c> condition, for
/// the next look at the CR and for the Event a host records is decided once, in <see cref="Outcomes.Of"/>; a new
/// outcome is one member here and one arm there, which the compiler asks for.
/// </summary>
public enum ReconcileOutcome
{
    /// <summary>The deployment matches the CR; nothing was written.</summary>
    InSync,

    /// <summary>A write is planned and not made yet (the status a plan shows before it is carried out).</summary>
    Pending,

    /// <summary>The deployment was created.</summary>
    Created,

    /// <summary>The deployment differed from the CR and was patched.</summary>
    Patched,

    /// <summary>An existing deployment without this CR's marker was adopted.</summary>
    Adopted,

    /// <summary>The deployment differed from the CR and was replaced (PUT).</summary>
    Replaced,

    /// <summary>CR syncing is off for the deployment: nothing is written, the status is still projected.</summary>
    Idle,

    /// <summary>The CR is invalid; nothing was sent to the platform.</summary>
    InvalidSpec,

    /// <summary>The deployment carries another owner's marker; it is not written.</summary>
    OwnedByAnother,

    /// <summary>A PUT would remove fields that adopting the deployment synced back and the CR does not state.</summary>
    AdoptedFieldsMissing,

    /// <summary>No usable API token, or the platform refused it (401).</summary>
    Unauthenticated,

    /// <summary>The token lacks the role the call needs (403).</summary>
    Forbidden,

    /// <summary>The platform rejected the request (400); it is not sent again until the CR changes.</summary>
    PlatformRejected,

    /// <summary>The platform rejected this generation of the CR before; the same request is not sent again.</summary>
    StillRejected,

    /// <summary>The platform's answer was not what its API specifies.</summary>
    ProtocolError,

    /// <summary>The platform's version is not served.</summary>
    UnsupportedPlatform,

    /// <summary>The platform could not be reached or failed (429, 5xx, time-out, conflicts beyond the retries).</summary>
    TransientFailure,

    /// <summary>The CR no longer exists in the Kubernetes API (its host said so right before a create): nothing was done.</summary>
    CustomResourceGone,

    /// <summary>The CR's namespace is not watched: nothing was done.</summary>
    NotWatched,
}

/// <summary>When a host looks at a CR again after an outcome.</summary>
public enum RequeueClass
{
    /// <summary>At the host's resync period.</summary>
    None,

    /// <summary>Soon (seconds) while the deployment is transitioning to the state its spec asks for; else at the resync period.</summary>
    WhileTransitioning,

    /// <summary>After a backoff that grows while the failure lasts.</summary>
    Backoff,

    /// <summary>After the longest backoff: nothing changes soon (an unsupported platform).</summary>
    Longest,

    /// <summary>Not before the CR changes: the same request would fail the same way.</summary>
    UntilChanged,
}

/// <summary>What an outcome means.</summary>
/// <param name="ConditionReason">The <c>Synced</c> condition's reason (CamelCase).</param>
/// <param name="Synced">The <c>Synced</c> condition's status: <c>True</c> or <c>False</c>.</param>
/// <param name="IsFailure">True when the reconcile failed: the CR is not in the state it asks for and it is not the CR's own choice (an idle or vanished CR is no failure).</param>
/// <param name="Requeue">When to look again.</param>
/// <param name="EventReason">The reason of the Event that reports it, or <see langword="null"/> when it is reported by the write's own Event or by none.</param>
/// <param name="EventIsWarning">True when that Event is a warning.</param>
public readonly record struct OutcomeTraits(string ConditionReason, string Synced, bool IsFailure, RequeueClass Requeue, string? EventReason, bool EventIsWarning);

/// <summary>
/// The one mapping from outcomes to conditions, requeue classes and Events, and from platform failures to outcomes. Its
/// switches have no catch-all arm: a new outcome does not build until it is mapped here.
/// </summary>
public static class Outcomes
{
    /// <summary>What <paramref name="outcome"/> means.</summary>
    /// <param name="outcome">The outcome.</param>
    /// <returns>Its traits.</returns>
    public static OutcomeTraits Of(ReconcileOutcome outcome) => outcome switch
    {
        ReconcileOutcome.InSync => new("InSync", "True", false, RequeueClass.WhileTransitioning, null, false),
        ReconcileOutcome.Pending => new("Pending", "False", false, RequeueClass.WhileTransitioning, null, false),
        ReconcileOutcome.Created => new("Created", "True", false, RequeueClass.WhileTransitioning, "Created", false),
        ReconcileOutcome.Patched => new("Patched", "True", false, RequeueClass.WhileTransitioning, "Patched", false),
        ReconcileOutcome.Adopted => new("Adopted", "True", false, RequeueClass.WhileTransitioning, "Adopted", false),
        ReconcileOutcome.Replaced => new("Replaced", "True", false, RequeueClass.WhileTransitioning, "Replaced", false),
        ReconcileOutcome.Idle => new("Idle", "False", false, RequeueClass.WhileTransitioning, null, false),
        ReconcileOutcome.InvalidSpec => new("InvalidSpec", "False", true, RequeueClass.None, "InvalidSpec", true),
        ReconcileOutcome.OwnedByAnother => new("OwnedByAnother", "False", true, RequeueClass.None, "OwnedByAnother", true),
        ReconcileOutcome.AdoptedFieldsMissing => new("AdoptedFieldsMissing", "False", true, RequeueClass.None, "AdoptedFieldsMissing", true),
        ReconcileOutcome.Unauthenticated => new("Unauthenticated", "False", true, RequeueClass.Backoff, "Unauthenticated", true),
        ReconcileOutcome.Forbidden => new("Forbidden", "False", true, RequeueClass.Backoff, "Forbidden", true),
        ReconcileOutcome.PlatformRejected => new("PlatformRejected", "False", true, RequeueClass.UntilChanged, "PlatformRejected", true),
        ReconcileOutcome.StillRejected => new("PlatformRejected", "False", true, RequeueClass.UntilChanged, null, true),
        ReconcileOutcome.ProtocolError => new("ProtocolError", "False", true, RequeueClass.Backoff, "ProtocolError", true),
        ReconcileOutcome.UnsupportedPlatform => new("UnsupportedPlatform", "False", true, RequeueClass.Longest, "UnsupportedPlatform", true),
        ReconcileOutcome.TransientFailure => new("TransientFailure", "False", true, RequeueClass.Backoff, "TransientFailure", true),
        ReconcileOutcome.CustomResourceGone => new("CustomResourceGone", "False", false, RequeueClass.None, null, false),
        ReconcileOutcome.NotWatched => new("NotWatched", "False", false, RequeueClass.None, null, false),
    };

    /// <summary>The outcome a platform failure ends a reconcile in.</summary>
    /// <param name="kind">The failure's kind.</param>
    /// <returns>The outcome.</returns>
    public static ReconcileOutcome OfFailure(Platform.PlatformErrorKind kind) => kind switch
    {
        Platform.PlatformErrorKind.Rejected => ReconcileOutcome.PlatformRejected,
        Platform.PlatformErrorKind.Unauthenticated => ReconcileOutcome.Unauthenticated,
        Platform.PlatformErrorKind.Forbidden => ReconcileOutcome.Forbidden,
        Platform.PlatformErrorKind.Protocol => ReconcileOutcome.ProtocolError,
        Platform.PlatformErrorKind.Unsupported => ReconcileOutcome.UnsupportedPlatform,
        Platform.PlatformErrorKind.NotFound or Platform.PlatformErrorKind.Conflict or Platform.PlatformErrorKind.Transient => ReconcileOutcome.TransientFailure,
    };
}
