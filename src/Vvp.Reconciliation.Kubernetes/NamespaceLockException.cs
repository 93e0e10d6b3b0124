namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// A watched namespace is owned by another operator identity (its lock ConfigMap
/// <c>ververica-operator-leader-election</c> names it): the operator must not start.
/// </summary>
public sealed class NamespaceLockException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="holders">Each refused namespace and the identity that owns it.</param>
    /// <param name="identity">This operator's identity.</param>
    public NamespaceLockException(IReadOnlyDictionary<string, string> holders, string identity)
        : base(Describe(holders, identity))
    {
        Holders = holders;
    }

    /// <summary>Each refused namespace and the identity that owns it.</summary>
    public IReadOnlyDictionary<string, string> Holders { get; }

    private static string Describe(IReadOnlyDictionary<string, string> holders, string identity)
    {
        ArgumentNullException.ThrowIfNull(holders);
        // The holder comes from a ConfigMap anyone with rights in the namespace may have written: cleaned and shortened.
        var list = string.Join("; ", holders.Select(h => $"namespace '{h.Key}' is owned by the operator '{Platform.DisplayText.Clean(h.Value, 200)}'"));
        return $"The operator '{identity}' must not start: {list}. The lock (ConfigMap ververica-operator-leader-election) lasts forever: remove the namespace from watchedNamespaces, or delete the ConfigMap to hand the namespace over.";
    }
}
