using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Testing;

/// <summary>One call the in-memory platform received.</summary>
/// <param name="Operation">The operation.</param>
/// <param name="Namespace">The platform namespace.</param>
/// <param name="Name">The deployment name or id the call addressed, if any.</param>
/// <param name="Body">A copy of the request body, if any.</param>
public sealed record PlatformCall(PlatformOperation Operation, string Namespace, string? Name, JsonObject? Body)
{
    /// <summary>True for calls that change the platform.</summary>
    public bool IsWrite => Operation is not (PlatformOperation.GetDeployment or PlatformOperation.ListDeployments or PlatformOperation.ListSavepoints);
}
