namespace Vvp.Reconciliation.Resources;

/// <summary>How a CR is synced to its deployment (<c>spec.syncingMode</c>).</summary>
public enum SyncingMode
{
    /// <summary>Only what the CR mentions is written; everything else on the deployment is kept. The default.</summary>
    Patch,

    /// <summary>The CR is the whole user part: fields the CR does not mention are removed from the deployment.</summary>
    Put,
}
