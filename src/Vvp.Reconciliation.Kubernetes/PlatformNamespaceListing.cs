namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// How a resync reads the deployments of a platform namespace (<see cref="VvpOperatorOptions.PlatformNamespaceListing"/>,
/// configured as <c>vvp.k8sOperator.listPlatformNamespaces</c>: <c>auto</c>, <c>true</c> or <c>false</c>).
/// </summary>
public enum PlatformNamespaceListing
{
    /// <summary>
    /// One LIST of a platform namespace when a resync reads it for at least 8 CRs (as known
    /// from the last resync, or counted as this one's reads arrive), one GET per CR otherwise. A namespace whose LIST held
    /// more than four deployments per CR read from it, or whose LIST failed, is read with a GET per CR for the next ten
    /// resyncs, then listed again. The default (<c>auto</c>).
    /// </summary>
    Auto,

    /// <summary>Every resync reads each platform namespace with one LIST, shared by the CRs that target it (<c>true</c>).</summary>
    Always,

    /// <summary>Every resync reads each CR's deployment with a GET of its own (<c>false</c>).</summary>
    Never,
}
