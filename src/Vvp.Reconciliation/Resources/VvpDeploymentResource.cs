using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Resources;

/// <summary>
/// A <c>VvpDeployment</c> custom resource: a typed view over its JSON tree. Reading never loses a field:
/// <see cref="ToJsonNode"/> gives back the whole document, unknown fields included.
/// </summary>
/// <example>
/// <code>
/// var read = ResourceReader.Read(File.ReadAllText("test-cr.yaml"));
/// var cr = VvpDeploymentResource.FromDocument(read.Document);
/// Console.WriteLine(cr.Target);   // default/test-cr
/// </code>
/// </example>
public sealed class VvpDeploymentResource
{
    /// <summary>The only <c>apiVersion</c> accepted.</summary>
    public const string ApiVersionValue = "ververica.platform/v1";

    /// <summary>The only <c>kind</c> accepted.</summary>
    public const string KindValue = "VvpDeployment";

    private readonly JsonObject _root;
    private ValidationResult? _validation;
    private DeploymentTarget? _target;
    private JsonArrayCopies? _arrayCopies;

    private VvpDeploymentResource(JsonObject root)
    {
        _root = root;
    }

    /// <summary>The validation of this resource, computed once: a resource never changes after it is made.</summary>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>The validation result.</returns>
    public ValidationResult Validate(int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        if (maxDepth != JsonLimits.DefaultMaxDepth)
        {
            return VvpDeploymentValidator.Validate(_root, maxDepth);
        }

        return _validation ??= VvpDeploymentValidator.Validate(_root, maxDepth);
    }

    /// <summary>The document as given (any JSON); a non-object document becomes an empty resource that fails validation.</summary>
    /// <param name="document">The CR tree; copied, so later changes to it do not show here.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>The resource.</returns>
    /// <exception cref="ArgumentException"><paramref name="document"/> is not a JSON object.</exception>
    /// <exception cref="JsonDepthLimitExceededException">The document is nested too deeply.</exception>
    public static VvpDeploymentResource FromDocument(JsonNode? document, int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        if (document is not JsonObject obj)
        {
            throw new ArgumentException("A VvpDeployment resource must be a JSON object.", nameof(document));
        }

        return new VvpDeploymentResource((JsonObject)JsonTree.Clone(obj, maxDepth)!);
    }

    /// <summary>The root of the tree, read-only by convention: use <see cref="ToJsonNode"/> for a copy to change.</summary>
    internal JsonObject Root => _root;

    /// <summary>
    /// Copies of this resource's arrays for the merge-patch bodies planned from it: a resource planned again (a CR whose
    /// deployment drifts at each resync) copies a long array without visiting its elements.
    /// </summary>
    internal JsonArrayCopies ArrayCopies => LazyInitializer.EnsureInitialized(ref _arrayCopies, static () => new JsonArrayCopies());

    /// <summary><c>apiVersion</c>, when present.</summary>
    public string? ApiVersion => JsonRead.String(_root, "apiVersion");

    /// <summary><c>kind</c>, when present.</summary>
    public string? Kind => JsonRead.String(_root, "kind");

    /// <summary>The CR's Kubernetes name (<c>metadata.name</c>).</summary>
    public string? Name => JsonRead.String(_root, "metadata", "name");

    /// <summary>The CR's Kubernetes namespace: <c>metadata.namespace</c>, else <c>default</c>.</summary>
    public string KubernetesNamespace => JsonRead.String(_root, "metadata", "namespace") is { Length: > 0 } ns ? ns : "default";

    /// <summary><c>metadata.generation</c>; absent for a plain file that never went through Kubernetes.</summary>
    public long? Generation => JsonRead.Int64(_root, "metadata", "generation");

    /// <summary>The CR's annotations (<c>metadata.annotations</c>), string values only.</summary>
    public IReadOnlyDictionary<string, string> Annotations =>
        JsonRead.Object(_root, "metadata", "annotations") is { } annotations
            ? annotations.Where(p => JsonRead.String(p.Value) is not null).ToDictionary(p => p.Key, p => JsonRead.String(p.Value)!, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// The name of the Secret, in the CR's namespace, whose key <c>apikey</c> holds the CR's API token: the
    /// annotation <c>apikeySecretName</c>; <see langword="null"/> when the CR names none. Hosts that cache
    /// Secrets use it to know which CRs a changed Secret concerns.
    /// </summary>
    public string? ApiKeySecretName => JsonRead.String(_root, "metadata", "annotations", ApiKeySecretNameAnnotation) is { Length: > 0 } name ? name : null;

    /// <summary>The annotation that names a CR's token Secret: <c>apikeySecretName</c>.</summary>
    public const string ApiKeySecretNameAnnotation = "apikeySecretName";

    /// <summary><c>spec.syncingMode</c>; absent means <see cref="SyncingMode.Patch"/>.</summary>
    public SyncingMode SyncingMode => JsonRead.String(_root, "spec", "syncingMode") == "PUT" ? SyncingMode.Put : SyncingMode.Patch;

    /// <summary><c>spec.deployment</c>.</summary>
    public JsonObject? Deployment => JsonRead.Object(_root, "spec", "deployment");

    /// <summary><c>spec.deployment.userMetadata</c>.</summary>
    public JsonObject? UserMetadata => JsonRead.Object(_root, "spec", "deployment", "userMetadata");

    /// <summary><c>spec.deployment.spec</c>.</summary>
    public JsonObject? DeploymentSpec => JsonRead.Object(_root, "spec", "deployment", "spec");

    /// <summary><c>spec.initFields</c>.</summary>
    public JsonObject? InitFields => JsonRead.Object(_root, "spec", "initFields");

    /// <summary><c>spec.initialSavepointSpec.savepointLocation</c>.</summary>
    public string? InitialSavepointLocation => JsonRead.String(_root, "spec", "initialSavepointSpec", "savepointLocation");

    /// <summary>The CR's <c>status</c>.</summary>
    public JsonObject? Status => JsonRead.Object(_root, "status");

    /// <summary>The platform deployment this CR describes: (<c>userMetadata.namespace</c> or <c>default</c>, <c>userMetadata.name</c>).</summary>
    public DeploymentTarget? Target => _target ??=
        JsonRead.String(UserMetadata, "name") is { Length: > 0 } name
            ? new DeploymentTarget(JsonRead.String(UserMetadata, "namespace") is { Length: > 0 } ns ? ns : DeploymentTarget.DefaultNamespace, name)
            : null;

    /// <summary>A copy of the whole document.</summary>
    /// <returns>A new tree.</returns>
    public JsonObject ToJsonNode() => (JsonObject)_root.DeepClone();

    /// <summary>A copy of this resource with <c>spec</c> replaced.</summary>
    /// <param name="spec">The new spec; copied.</param>
    /// <returns>The new resource.</returns>
    public VvpDeploymentResource WithSpec(JsonObject spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var root = ToJsonNode();
        root["spec"] = spec.DeepClone();
        return new VvpDeploymentResource(root);
    }

    /// <summary>A copy of this resource with <c>status</c> replaced.</summary>
    /// <param name="status">The new status; copied.</param>
    /// <returns>The new resource.</returns>
    public VvpDeploymentResource WithStatus(JsonObject? status)
    {
        var root = ToJsonNode();
        root["status"] = status?.DeepClone();
        return new VvpDeploymentResource(root);
    }

    /// <summary>A copy of this resource with <c>metadata.generation</c> set.</summary>
    /// <param name="generation">The generation.</param>
    /// <returns>The new resource.</returns>
    public VvpDeploymentResource WithGeneration(long generation)
    {
        var root = ToJsonNode();
        if (root["metadata"] is not JsonObject metadata)
        {
            root["metadata"] = metadata = new JsonObject();
        }

        metadata["generation"] = generation;
        return new VvpDeploymentResource(root);
    }

    /// <inheritdoc />
    public override string ToString() => $"VvpDeployment {KubernetesNamespace}/{Name} -> {Target?.ToString() ?? "(no target)"}";
}
