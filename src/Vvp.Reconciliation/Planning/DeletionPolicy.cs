namespace Vvp.Reconciliation.Planning;

/// <summary>What happens to the deployment when its CR is deleted.</summary>
public enum DeletionPolicy
{
    /// <summary>The deployment stays as it is: nothing is lost. The default.</summary>
    Orphan,

    /// <summary>The deployment is cancelled (<c>PATCH spec.state: CANCELLED</c>) and kept.</summary>
    Cancel,

    /// <summary>The deployment is cancelled, and deleted once the platform reports it <c>CANCELLED</c>.</summary>
    Delete,
}
