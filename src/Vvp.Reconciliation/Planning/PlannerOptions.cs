using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

/// <summary>Settings of the planner; every one has a default that matches the documentation.</summary>
public sealed record PlannerOptions
{
    /// <summary>The platform's own system annotations, which a CR may not set and a PUT carries over unchanged.</summary>
    public static IReadOnlySet<string> PlatformSystemAnnotations { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "com.dataartisans.appmanager.controller.deployment.spec.version",
        "com.dataartisans.appmanager.controller.deployment.transitioning",
        "com.dataartisans.appmanager.controller.deployment.transitioning.since",
    };

    /// <summary>The default options: identity <c>vvp-1</c>, marker prefix <c>reconciliation.vvp/</c>.</summary>
    public static PlannerOptions Default { get; } = new();

    /// <summary>The operator identity written into ownership markers. Default <c>vvp-1</c>.</summary>
    public string Identity { get; init; } = "vvp-1";

    private readonly string _markerPrefix = "reconciliation.vvp/";

    /// <summary>The prefix of the library's marker annotations. Default <c>reconciliation.vvp/</c>.</summary>
    public string MarkerPrefix
    {
        get => _markerPrefix;
        init
        {
            _markerPrefix = value;
            OwnerAnnotation = value + "owner";
            InitialSavepointAnnotation = value + "initial-savepoint";
            CrSyncingAnnotation = value + "cr-syncing";
            AppliedAnnotation = value + "applied";
            AdoptedFieldsAnnotation = value + "adopted-fields";
        }
    }

    /// <summary>The platform's system annotations; the library's marker annotations are added to these by prefix.</summary>
    public IReadOnlySet<string> SystemAnnotations { get; init; } = PlatformSystemAnnotations;

    /// <summary>
    /// Decides from the live deployment whether CR syncing is on. <see langword="null"/> (the default):
    /// off when the live deployment's annotation <c>{MarkerPrefix}cr-syncing</c> is <c>"false"</c>.
    /// </summary>
    public Func<JsonObject, bool>? SyncingPredicate { get; init; }

    /// <summary>
    /// Whether the host writes a plan's spec update back into the CR (<see cref="Planning.SpecWriteBack.Write"/>, the
    /// default and the original documentation's behaviour) or only reports it (<see cref="Planning.SpecWriteBack.Report"/>).
    /// The last-applied record (§10) describes the CR as the host leaves it.
    /// </summary>
    public SpecWriteBack SpecWriteBack { get; init; } = SpecWriteBack.Write;

    /// <summary>The clock for condition transition times. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The deepest nesting accepted in CRs and deployments. Default 64.</summary>
    public int MaxDepth { get; init; } = JsonLimits.DefaultMaxDepth;

    /// <summary>The ownership marker annotation: <c>{MarkerPrefix}owner</c>.</summary>
    public string OwnerAnnotation { get; private init; } = "reconciliation.vvp/owner";

    /// <summary>The crash-safe initial savepoint intent annotation: <c>{MarkerPrefix}initial-savepoint</c>.</summary>
    public string InitialSavepointAnnotation { get; private init; } = "reconciliation.vvp/initial-savepoint";

    /// <summary>The annotation the default syncing predicate reads: <c>{MarkerPrefix}cr-syncing</c>.</summary>
    public string CrSyncingAnnotation { get; private init; } = "reconciliation.vvp/cr-syncing";

    /// <summary>
    /// The last-applied record of a CR without <c>metadata.generation</c> (a plain file): <c>{MarkerPrefix}applied</c>,
    /// the hash of the CR's user part as last written and the hash of the live user part the platform returned for it.
    /// </summary>
    public string AppliedAnnotation { get; private init; } = "reconciliation.vvp/applied";

    /// <summary>
    /// The fields a PUT-mode adoption synced back into the CR: <c>{MarkerPrefix}adopted-fields</c>, a JSON array of
    /// JSON Pointers. While the CR does not state them, a PUT that would remove them is refused.
    /// </summary>
    public string AdoptedFieldsAnnotation { get; private init; } = "reconciliation.vvp/adopted-fields";

    /// <summary>True for system annotations: the platform's and every marker annotation of this library.</summary>
    /// <param name="key">An annotation key.</param>
    /// <returns>Whether a CR may not set it.</returns>
    public bool IsSystemAnnotation(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return SystemAnnotations.Contains(key) || key.StartsWith(MarkerPrefix, StringComparison.Ordinal);
    }

    /// <summary>The owner marker value of a CR: <c>{Identity}/{CR namespace}/{CR name}</c>.</summary>
    /// <param name="resource">The CR.</param>
    /// <returns>The marker value.</returns>
    public string OwnerOf(VvpDeploymentResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return $"{Identity}/{resource.KubernetesNamespace}/{resource.Name}";
    }

    /// <summary>The owner marker a deployment carries, or <see langword="null"/>.</summary>
    /// <param name="deployment">The deployment.</param>
    /// <returns>The marker value.</returns>
    internal string? OwnerMarkerOf(JsonObject? deployment) => JsonRead.String(deployment, "metadata", "annotations", OwnerAnnotation);

    /// <summary>True when <paramref name="deployment"/> carries the owner marker of <paramref name="resource"/>.</summary>
    /// <param name="deployment">The deployment.</param>
    /// <param name="resource">The CR.</param>
    /// <returns>Whether this CR owns it.</returns>
    internal bool IsOwnedBy(JsonObject? deployment, VvpDeploymentResource resource) => OwnerMarkerOf(deployment) == OwnerOf(resource);

    /// <summary>Whether CR syncing is on for a live deployment (see <see cref="SyncingPredicate"/>).</summary>
    /// <param name="live">The live deployment.</param>
    /// <returns><see langword="true"/> when the library may write to it.</returns>
    public bool IsSyncing(JsonObject live)
    {
        ArgumentNullException.ThrowIfNull(live);
        return SyncingPredicate?.Invoke(live)
            ?? !string.Equals(JsonRead.String(live, "metadata", "annotations", CrSyncingAnnotation), "false", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Checks the options, throwing for values that cannot work.</summary>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Identity))
        {
            throw new ArgumentException("The operator identity must not be empty.", nameof(Identity));
        }

        if (string.IsNullOrEmpty(MarkerPrefix))
        {
            throw new ArgumentException("The marker prefix must not be empty.", nameof(MarkerPrefix));
        }

        ArgumentNullException.ThrowIfNull(SystemAnnotations);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        JsonLimits.ValidateMaxDepth(MaxDepth);
    }
}
