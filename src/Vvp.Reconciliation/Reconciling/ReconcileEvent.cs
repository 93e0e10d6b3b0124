namespace Vvp.Reconciliation.Reconciling;

/// <summary>A Kubernetes-style event for the host to record on the CR.</summary>
/// <param name="Type"><c>Normal</c> or <c>Warning</c>.</param>
/// <param name="Reason">A CamelCase reason, e.g. <c>Created</c>.</param>
/// <param name="Message">What happened, for people. Never holds a token.</param>
public sealed record ReconcileEvent(string Type, string Reason, string Message)
{
    /// <summary>A <c>Normal</c> event.</summary>
    /// <param name="reason">The reason.</param>
    /// <param name="message">The message.</param>
    /// <returns>The event.</returns>
    public static ReconcileEvent Normal(string reason, string message) => new("Normal", reason, message);

    /// <summary>A <c>Warning</c> event.</summary>
    /// <param name="reason">The reason.</param>
    /// <param name="message">The message.</param>
    /// <returns>The event.</returns>
    public static ReconcileEvent Warning(string reason, string message) => new("Warning", reason, message);
}
