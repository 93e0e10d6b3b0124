namespace Vvp.Reconciliation.Resources;

/// <summary>A Kubernetes-style condition of a <c>VvpDeployment</c> status (<c>Synced</c>, <c>Ready</c>).</summary>
/// <param name="Type">The condition type.</param>
/// <param name="Status"><c>True</c>, <c>False</c> or <c>Unknown</c>.</param>
/// <param name="Reason">Why, in CamelCase (<c>InSync</c>, <c>PlatformRejected</c>, …).</param>
/// <param name="Message">Why, for people.</param>
/// <param name="LastTransitionTime">When <paramref name="Status"/> last changed (RFC 3339).</param>
/// <param name="ObservedGeneration">The CR generation the condition was computed from.</param>
public sealed record StatusCondition(string Type, string Status, string? Reason, string? Message, string? LastTransitionTime, long? ObservedGeneration)
{
    /// <summary>True when <see cref="Status"/> is <c>True</c>.</summary>
    public bool IsTrue => Status == "True";
}
