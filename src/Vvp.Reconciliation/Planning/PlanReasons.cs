namespace Vvp.Reconciliation.Planning;

/// <summary>The reasons a plan gives, as they appear in the plan document.</summary>
public static class PlanReasons
{
    /// <summary>The deployment already matches the CR.</summary>
    public const string InSync = "in-sync";

    /// <summary>The deployment does not exist and is created.</summary>
    public const string Created = "created";

    /// <summary>The deployment differs from the CR where the CR says something.</summary>
    public const string Drift = "drift";

    /// <summary>An existing deployment without this CR's marker is taken over.</summary>
    public const string Adopt = "adopt";

    /// <summary>The CR failed validation.</summary>
    public const string Invalid = "invalid";

    /// <summary>The deployment carries another owner's marker.</summary>
    public const string OwnedByAnother = "owned-by-another";

    /// <summary>A PUT would remove fields that adopting the deployment synced back into the CR, which the CR does not state.</summary>
    public const string AdoptedFieldsMissing = "adopted-fields-missing";

    /// <summary>CR syncing is off for the deployment.</summary>
    public const string Idle = "idle";

    /// <summary>The platform rejected this generation of the CR (400): the same request is not sent again until the CR changes.</summary>
    public const string Rejected = "rejected";

    /// <summary>
    /// The deployment is in sync, but its bookkeeping (marker annotations: the last-applied record) is to be written: a
    /// patch of annotations only. Planned by a dry run (<see cref="Reconciling.ReconcileContext.DryRun"/>).
    /// </summary>
    public const string Record = "record";
}
