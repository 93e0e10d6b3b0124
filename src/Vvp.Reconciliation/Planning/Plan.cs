using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

/// <summary>
/// The pure decision for one CR: what to send, what to write back onto the CR, and the status to report.
/// It is what the CLI prints and what tests compare; <see cref="ToJsonNode"/> gives the plan document.
/// </summary>
public sealed record Plan
{
    /// <summary>The platform deployment; <see langword="null"/> when the CR names none (it is then invalid).</summary>
    public DeploymentTarget? Target { get; init; }

    /// <summary>What to do.</summary>
    public PlanAction Action { get; init; }

    /// <summary>Why, one of <see cref="PlanReasons"/>.</summary>
    public required string Reason { get; init; }

    /// <summary>
    /// What the plan ends in: for a write, the outcome once the write succeeds (<see cref="ReconcileOutcome.Created"/>,
    /// <see cref="ReconcileOutcome.Patched"/>, …); otherwise the outcome itself (in sync, idle, invalid, owned by another, …).
    /// </summary>
    public ReconcileOutcome Outcome { get; init; }

    /// <summary>The exact body to send (<c>POST</c>, <c>PATCH</c> or <c>PUT</c>); <see langword="null"/> when nothing is sent.</summary>
    public JsonObject? Request { get; init; }

    /// <summary>RFC 6902 operations from the live user part to the desired one, for people to read.</summary>
    public JsonPatch Diff { get; init; } = new([]);

    /// <summary>The initial savepoint decision; <see langword="null"/> when there is none to take.</summary>
    public SavepointPlan? Savepoint { get; init; }

    /// <summary>The CR <c>spec</c> the host must write back (scrubbed keys, PUT adoption sync-back); <see langword="null"/> when unchanged.</summary>
    public JsonObject? SpecUpdate { get; init; }

    /// <summary>The CR status projected from the live deployment as given; <see langword="null"/> for a document that is not a CR.</summary>
    public JsonObject? Status { get; init; }

    /// <summary>True when <see cref="Status"/> differs from the CR's current status, so the host must write it.</summary>
    public bool StatusChanged { get; init; }

    /// <summary>Things a person should know; nothing is wrong enough to stop.</summary>
    public IReadOnlyList<ResourceMessage> Warnings { get; init; } = [];

    /// <summary>Why the CR is invalid; empty otherwise.</summary>
    public IReadOnlyList<ResourceMessage> Errors { get; init; } = [];

    /// <summary>True when the plan writes to the platform.</summary>
    public bool IsWrite => Action is PlanAction.Create or PlanAction.Patch or PlanAction.Replace;

    /// <summary>The plan for a document that could not be read or is not a CR at all.</summary>
    /// <param name="errors">Why.</param>
    /// <returns>A blocked plan with reason <c>invalid</c>.</returns>
    public static Plan Unreadable(IReadOnlyList<ResourceMessage> errors) =>
        new() { Action = PlanAction.Blocked, Reason = PlanReasons.Invalid, Outcome = ReconcileOutcome.InvalidSpec, Errors = errors };

    /// <summary>The plan document (camelCase, <c>null</c> where there is nothing).</summary>
    /// <returns>A new JSON object.</returns>
    public JsonObject ToJsonNode() => new()
    {
        ["target"] = new JsonObject { ["namespace"] = Target?.Namespace, ["name"] = Target?.Name },
        ["action"] = Action.ToString().ToLowerInvariant(),
        ["reason"] = Reason,
        ["request"] = Request?.DeepClone(),
        ["diff"] = Diff.ToJsonNode(),
        ["savepoint"] = Savepoint?.ToJsonNode(),
        ["specUpdate"] = SpecUpdate?.DeepClone(),
        ["status"] = Status?.DeepClone(),
        ["warnings"] = Messages(Warnings),
        ["errors"] = Messages(Errors),
    };

    /// <summary>The plan document as JSON text.</summary>
    /// <param name="indented">Whether to indent.</param>
    /// <returns>The JSON text.</returns>
    public string ToJsonString(bool indented = false) =>
        ToJsonNode().ToJsonString(new JsonSerializerOptions { WriteIndented = indented });

    private static JsonArray Messages(IReadOnlyList<ResourceMessage> messages) =>
        new([.. messages.Select(m => (JsonNode)new JsonObject { ["path"] = m.Path, ["message"] = m.Message })]);
}
