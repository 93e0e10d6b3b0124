namespace Vvp.Reconciliation.Resources;

/// <summary>Identifies a platform deployment: its Ververica Platform namespace and name.</summary>
/// <param name="Namespace">The platform namespace (<c>default</c> when the CR names none).</param>
/// <param name="Name">The deployment name, a DNS-1123 label.</param>
public sealed record DeploymentTarget(string Namespace, string Name)
{
    /// <summary>The platform namespace used when <c>userMetadata.namespace</c> is absent.</summary>
    public const string DefaultNamespace = "default";

    /// <inheritdoc />
    public override string ToString() => $"{Namespace}/{Name}";
}
