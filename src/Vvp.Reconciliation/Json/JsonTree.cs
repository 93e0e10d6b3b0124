using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Json;

/// <summary>Depth-checked tree helpers shared by the JSON engine.</summary>
internal static class JsonTree
{
    /// <summary>Deep-clones a JSON tree, refusing trees nested deeper than <paramref name="maxDepth"/>.</summary>
    /// <param name="node">The tree to copy.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>A copy that shares no node with <paramref name="node"/>.</returns>
    /// <exception cref="JsonDepthLimitExceededException">The tree is nested too deeply.</exception>
    public static JsonNode? Clone(JsonNode? node, int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        JsonLimits.ValidateMaxDepth(maxDepth);
        return CloneCore(node, 1, maxDepth);
    }

    /// <summary>Measures the nesting depth of a tree (a scalar is 0, <c>{}</c> is 1), up to <paramref name="maxDepth"/>.</summary>
    /// <param name="node">The tree.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>The depth.</returns>
    /// <exception cref="JsonDepthLimitExceededException">The tree is nested too deeply.</exception>
    public static int Depth(JsonNode? node, int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        JsonLimits.ValidateMaxDepth(maxDepth);
        return DepthCore(node, 1, maxDepth);
    }

    internal static JsonNode? CloneCore(JsonNode? node, int depth, int maxDepth)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                {
                    JsonLimits.EnsureDepth(depth, maxDepth);
                    var copy = new JsonObject(obj.Options);
                    for (var i = 0; i < obj.Count; i++)
                    {
                        var (key, value) = obj.GetAt(i);
                        copy.Add(key, CloneCore(value, depth + 1, maxDepth));
                    }

                    return copy;
                }

            case JsonArray array:
                {
                    JsonLimits.EnsureDepth(depth, maxDepth);
                    var copy = new JsonArray(array.Options);
                    for (var i = 0; i < array.Count; i++)
                    {
                        copy.Add(CloneCore(array[i], depth + 1, maxDepth));
                    }

                    return copy;
                }

            default:
                return node.DeepClone();
        }
    }

    private static int DepthCore(JsonNode? node, int depth, int maxDepth)
    {
        var deepest = depth;
        switch (node)
        {
            case JsonObject obj:
                JsonLimits.EnsureDepth(depth, maxDepth);
                for (var i = 0; i < obj.Count; i++)
                {
                    deepest = Math.Max(deepest, DepthCore(obj.GetAt(i).Value, depth + 1, maxDepth));
                }

                return deepest;
            case JsonArray array:
                JsonLimits.EnsureDepth(depth, maxDepth);
                for (var i = 0; i < array.Count; i++)
                {
                    deepest = Math.Max(deepest, DepthCore(array[i], depth + 1, maxDepth));
                }

                return deepest;
            default:
                return 0;
        }
    }
}
