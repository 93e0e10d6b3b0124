namespace Vvp.Reconciliation.Reconciling;

/// <summary>What a reconcile does with fields changed on the platform (its UI) while the CR stayed the same.</summary>
public enum DriftPolicy
{
    /// <summary>Corrects them, with an Event <c>DriftCorrected</c> naming each field (the default).</summary>
    Enforce,

    /// <summary>Leaves them as they are and reports them: the condition <c>Drifted</c> names the fields. A change of the CR is still written.</summary>
    Report,
}
