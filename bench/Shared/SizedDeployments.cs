using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Benchmarks.Shared;

/// <summary>
/// The documents both benchmark programs grow: N <c>flinkConfiguration</c> keys, or N <c>additionalDependencies</c> in
/// the artifact, placed in a deployment spec, and a drift of such a deployment (the middle entry and
/// <c>maxJobCreationAttempts</c> changed). JSON only, so it compiles against every version of the library.
/// </summary>
internal static class SizedDeployments
{
    /// <summary>The member that grows: <c>additionalDependencies</c> or <c>flinkConfiguration</c>.</summary>
    public static string Member(bool arrays) => arrays ? "additionalDependencies" : "flinkConfiguration";

    /// <summary>N keys or N array elements.</summary>
    public static JsonNode Grown(int size, bool arrays)
    {
        JsonNode grown = arrays ? new JsonArray() : new JsonObject();
        for (var i = 0; i < size; i++)
        {
            if (grown is JsonArray array)
            {
                array.Add($"s3://bucket/dependency-{i}.jar");
            }
            else
            {
                grown[$"taskmanager.key.{i}"] = $"value-{i}";
            }
        }

        return grown;
    }

    /// <summary>The object of a deployment spec that holds the growing member.</summary>
    public static JsonObject Place(JsonNode deploymentSpec, bool arrays) =>
        (JsonObject)(arrays ? deploymentSpec["template"]!["spec"]!["artifact"]! : deploymentSpec["template"]!["spec"]!);

    /// <summary>A copy of a live deployment of <paramref name="size"/> entries with its middle entry and maxJobCreationAttempts changed.</summary>
    public static JsonObject Drifted(JsonObject live, int size, bool arrays)
    {
        var drifted = (JsonObject)live.DeepClone();
        if (size > 0)
        {
            var drifting = Place(drifted["spec"]!, arrays)[Member(arrays)]!;
            if (arrays)
            {
                drifting[size / 2] = "changed";
            }
            else
            {
                drifting[$"taskmanager.key.{size / 2}"] = "changed";
            }
        }

        drifted["spec"]!["maxJobCreationAttempts"] = 4;
        return drifted;
    }
}
