namespace Vvp.Reconciliation.Planning;

/// <summary>What a host does with a plan's spec update (scrubbed <c>userMetadata</c> keys, a PUT-mode adoption's sync-back).</summary>
public enum SpecWriteBack
{
    /// <summary>Writes it into the CR (the original documentation's behaviour).</summary>
    Write,

    /// <summary>
    /// Never writes the CR's spec; the update is reported for the user to commit to the CR's source. Until then the
    /// planner sends no invalid key, and a PUT that would remove what adoption synced back is refused.
    /// </summary>
    Report,
}
