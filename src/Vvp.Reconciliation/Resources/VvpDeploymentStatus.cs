using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Resources;

/// <summary>
/// A typed view of a <c>VvpDeployment</c> status, as <see cref="VvpDeploymentResource"/> is of the CR: the values hosts
/// and tools branch on, while <see cref="Json"/> keeps the whole document for pass-through.
/// </summary>
/// <example>
/// <code>
/// var status = VvpDeploymentStatus.From(result.Status);
/// if (status.Synced is { IsTrue: false } synced) { Console.WriteLine($"{synced.Reason}: {synced.Message}"); }
/// </code>
/// </example>
public sealed class VvpDeploymentStatus
{
    private VvpDeploymentStatus(JsonObject? json)
    {
        Json = json;
        Conditions = JsonRead.At(json, "conditions") is JsonArray conditions
            ? [.. conditions.OfType<JsonObject>().Where(c => JsonRead.String(c, "type") is not null).Select(ToCondition)]
            : [];
    }

    /// <summary>The status document itself (not copied); <see langword="null"/> for a CR without one.</summary>
    public JsonObject? Json { get; }

    /// <summary><c>customResourceStatus.customResourceState</c>: <c>SYNCING</c> or <c>IDLING</c>.</summary>
    public string? CustomResourceState => JsonRead.String(Json, "customResourceStatus", "customResourceState");

    /// <summary><c>customResourceStatus.deploymentId</c>: the platform deployment's id.</summary>
    public string? DeploymentId => JsonRead.String(Json, "customResourceStatus", "deploymentId");

    /// <summary><c>customResourceStatus.statusState</c>: the deployment's actual state (<c>RUNNING</c>, …).</summary>
    public string? DeploymentState => JsonRead.String(Json, "customResourceStatus", "statusState");

    /// <summary><c>customResourceStatus.observedGeneration</c>.</summary>
    public long? ObservedGeneration => JsonRead.Int64(Json, "customResourceStatus", "observedGeneration");

    /// <summary><c>customResourceStatus.lastSyncedGeneration</c>: the generation last written or verified.</summary>
    public long? LastSyncedGeneration => JsonRead.Int64(Json, "customResourceStatus", "lastSyncedGeneration");

    /// <summary><c>customResourceStatus.initialSavepoint.state</c>: <c>Pending</c>, <c>Registered</c> or <c>Skipped</c>.</summary>
    public string? InitialSavepointState => JsonRead.String(Json, "customResourceStatus", "initialSavepoint", "state");

    /// <summary>Every condition, in the document's order.</summary>
    public IReadOnlyList<StatusCondition> Conditions { get; }

    /// <summary>The <c>Synced</c> condition: whether the desired state is written (or why not).</summary>
    public StatusCondition? Synced => Condition("Synced");

    /// <summary>The <c>Ready</c> condition: whether the deployment is in the state its spec asks for.</summary>
    public StatusCondition? Ready => Condition("Ready");

    /// <summary>The <c>Reconciling</c> condition (kstatus): True while work is under way (the platform transitioning, a retry).</summary>
    public StatusCondition? Reconciling => Condition("Reconciling");

    /// <summary>The <c>Stalled</c> condition (kstatus): True when nothing changes until the CR or the platform does.</summary>
    public StatusCondition? Stalled => Condition("Stalled");

    /// <summary>
    /// Whether the status is current in kstatus' terms for a CR of <paramref name="generation"/>: the top-level
    /// <c>observedGeneration</c> is that generation, <c>Ready</c> is True, and neither <c>Reconciling</c> nor
    /// <c>Stalled</c> is True. What <c>kubectl wait --for=condition=Ready</c>, Flux and cli-utils wait for.
    /// </summary>
    /// <param name="generation">The CR's <c>metadata.generation</c>.</param>
    /// <returns>True when current.</returns>
    public bool IsCurrent(long? generation) =>
        JsonRead.Int64(Json, "observedGeneration") == generation && Ready?.Status == "True" && Reconciling?.Status != "True" && Stalled?.Status != "True";

    /// <summary>Reads a status document.</summary>
    /// <param name="status">The status, e.g. <c>ReconcileResult.Status</c> or a CR's <c>status</c>.</param>
    /// <returns>The view.</returns>
    public static VvpDeploymentStatus From(JsonObject? status) => new(status);

    /// <summary>The condition of a type, or <see langword="null"/>.</summary>
    /// <param name="type">The condition type.</param>
    /// <returns>The condition.</returns>
    public StatusCondition? Condition(string type) => Conditions.FirstOrDefault(c => c.Type == type);

    private static StatusCondition ToCondition(JsonObject condition) => new(
        JsonRead.String(condition, "type")!,
        JsonRead.String(condition, "status") ?? "Unknown",
        JsonRead.String(condition, "reason"),
        JsonRead.String(condition, "message"),
        JsonRead.String(condition, "lastTransitionTime"),
        JsonRead.Int64(condition, "observedGeneration"));
}
