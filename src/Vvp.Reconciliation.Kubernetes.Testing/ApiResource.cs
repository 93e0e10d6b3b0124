namespace Vvp.Reconciliation.Kubernetes.Testing;

/// <summary>A namespaced resource type the stand-in serves.</summary>
/// <param name="Group">The API group; empty for the core group (<c>/api/v1</c>).</param>
/// <param name="Version">The API version, e.g. <c>v1</c>.</param>
/// <param name="Plural">The plural name in paths, e.g. <c>configmaps</c>.</param>
/// <param name="Kind">The kind, e.g. <c>ConfigMap</c>.</param>
/// <param name="HasStatusSubresource">
/// Whether the type has a status subresource: then writes to the main resource keep the stored status,
/// writes to <c>/status</c> change only the status, and <c>metadata.generation</c> counts spec changes.
/// </param>
public sealed record ApiResource(string Group, string Version, string Plural, string Kind, bool HasStatusSubresource = false)
{
    /// <summary>ConfigMaps.</summary>
    public static ApiResource ConfigMaps { get; } = new("", "v1", "configmaps", "ConfigMap");

    /// <summary>Secrets.</summary>
    public static ApiResource Secrets { get; } = new("", "v1", "secrets", "Secret");

    /// <summary>Events (core/v1).</summary>
    public static ApiResource Events { get; } = new("", "v1", "events", "Event");

    /// <summary>Leases (coordination.k8s.io/v1).</summary>
    public static ApiResource Leases { get; } = new("coordination.k8s.io", "v1", "leases", "Lease");

    /// <summary>The <c>VvpDeployment</c> custom resource (ververica.platform/v1), with its status subresource.</summary>
    public static ApiResource VvpDeployments { get; } = new("ververica.platform", "v1", "vvpdeployments", "VvpDeployment", HasStatusSubresource: true);

    /// <summary><c>apiVersion</c> of the objects: <c>group/version</c>, or the version alone for the core group.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The path prefix before <c>/namespaces/…</c>: <c>/api/v1</c> or <c>/apis/group/version</c>.</summary>
    public string Prefix => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
}
