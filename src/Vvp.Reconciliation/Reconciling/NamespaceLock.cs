namespace Vvp.Reconciliation.Reconciling;

/// <summary>The answer of <see cref="NamespaceLock.Decide"/>.</summary>
/// <param name="MayWatch">True when this instance may watch the namespace.</param>
/// <param name="MustAcquire">True when the lock is free and this instance should take it.</param>
/// <param name="Message">A sentence for people (the conflict, when there is one).</param>
public sealed record NamespaceLockDecision(bool MayWatch, bool MustAcquire, string Message);

/// <summary>
/// One operator instance per watched Kubernetes namespace: each namespace holds a ConfigMap lock named
/// <see cref="ConfigMapName"/> with the identity of the instance that watches it. The lock lasts forever;
/// changing an identity means deleting the ConfigMap.
/// </summary>
public static class NamespaceLock
{
    /// <summary>The name of the lock ConfigMap.</summary>
    public const string ConfigMapName = "ververica-operator-leader-election";

    /// <summary>Decides whether the instance <paramref name="identity"/> may watch a namespace whose lock holds <paramref name="holderIdentity"/>.</summary>
    /// <param name="kubernetesNamespace">The namespace, for the message.</param>
    /// <param name="holderIdentity">The identity in the lock, or <see langword="null"/> when there is no lock.</param>
    /// <param name="identity">This instance's identity.</param>
    /// <returns>The decision.</returns>
    public static NamespaceLockDecision Decide(string kubernetesNamespace, string? holderIdentity, string identity)
    {
        ArgumentException.ThrowIfNullOrEmpty(identity);
        if (string.IsNullOrEmpty(holderIdentity))
        {
            return new NamespaceLockDecision(true, true, $"Namespace {kubernetesNamespace} is free: take its lock {ConfigMapName} as '{identity}'.");
        }

        return holderIdentity == identity
            ? new NamespaceLockDecision(true, false, $"Namespace {kubernetesNamespace} is already locked by this instance ('{identity}').")
            : new NamespaceLockDecision(false, false,
                $"Namespace {kubernetesNamespace} is watched by the operator '{holderIdentity}' (ConfigMap {ConfigMapName}); '{identity}' must not watch it too. Remove it from watchedNamespaces, or delete the ConfigMap to hand the namespace over.");
    }
}
