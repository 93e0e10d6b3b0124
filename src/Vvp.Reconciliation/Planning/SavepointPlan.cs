using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Planning;

/// <summary>What the plan does about <c>spec.initialSavepointSpec</c>.</summary>
/// <param name="Register">True when the location is registered for the deployment (after it is created).</param>
/// <param name="Location">The savepoint location.</param>
/// <param name="Reasons">Why it is not registered: each unmet condition; or why a registration is still owed.</param>
public sealed record SavepointPlan(bool Register, string Location, IReadOnlyList<string> Reasons)
{
    /// <summary>The plan document's form: <c>{"action": "register"|"none", "location", "reasons"}</c>.</summary>
    /// <returns>A new JSON object.</returns>
    public JsonObject ToJsonNode() => new()
    {
        ["action"] = Register ? "register" : "none",
        ["location"] = Location,
        ["reasons"] = new JsonArray([.. Reasons.Select(r => (JsonNode)r)]),
    };
}
