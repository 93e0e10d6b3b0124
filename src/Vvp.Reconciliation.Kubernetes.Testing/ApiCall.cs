namespace Vvp.Reconciliation.Kubernetes.Testing;

/// <summary>One request the stand-in answered, as an RBAC rule would name it.</summary>
/// <param name="Verb">The Kubernetes verb: <c>get</c>, <c>list</c>, <c>watch</c>, <c>create</c>, <c>update</c>, <c>patch</c> or <c>delete</c>.</param>
/// <param name="Group">The API group; empty for the core group.</param>
/// <param name="Resource">The resource, with its subresource when there is one (<c>vvpdeployments/status</c>).</param>
/// <param name="Namespace">The namespace.</param>
/// <param name="Name">The object's name; <see langword="null"/> for a list, a watch or a create.</param>
/// <param name="StatusCode">The HTTP status answered; 0 when the connection was dropped.</param>
public sealed record ApiCall(string Verb, string Group, string Resource, string Namespace, string? Name, int StatusCode)
{
    /// <summary>Whether the call asked to change something (create, update, patch, delete).</summary>
    public bool IsWrite => Verb is "create" or "update" or "patch" or "delete";
}
