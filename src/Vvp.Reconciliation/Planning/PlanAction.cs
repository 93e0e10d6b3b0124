namespace Vvp.Reconciliation.Planning;

/// <summary>What a plan does to the platform.</summary>
public enum PlanAction
{
    /// <summary>No write: in sync, or syncing is off.</summary>
    None,

    /// <summary><c>POST</c> a new deployment.</summary>
    Create,

    /// <summary><c>PATCH</c> the deployment with a minimal merge patch.</summary>
    Patch,

    /// <summary><c>PUT</c> the whole deployment.</summary>
    Replace,

    /// <summary>Nothing may be written; the reason says why.</summary>
    Blocked,
}
