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
                    if (HoldsOnlyScalars(obj))
                    {
                        // No deeper nesting to check: the runtime's copy sizes the member table once, where adding
                        // member by member regrows it (a large map would leave a trail of large-object-heap garbage).
                        return obj.DeepClone();
                    }

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

                    // One pass into an array sized once. A CLR string (what a YAML-read CR holds) is copied as a new
                    // value of the same string: the runtime's copy would look up the tree's options from each element.
                    var options = array.Options;
                    var count = array.Count;
                    var items = new JsonNode?[count];
                    for (var i = 0; i < count; i++)
                    {
                        var item = array[i];
                        items[i] = item is not null && JsonValues.HoldsClrString(item)
                            ? JsonValue.Create(item.ToString(), options)
                            : CloneCore(item, depth + 1, maxDepth);
                    }

                    return new JsonArray(options ?? default, items);
                }

            default:
                return node.DeepClone();
        }
    }

    private static bool HoldsOnlyScalars(JsonObject obj)
    {
        for (var i = 0; i < obj.Count; i++)
        {
            if (obj.GetAt(i).Value is JsonObject or JsonArray)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// A copy that owns all its data: a scalar parsed from JSON becomes a CLR value, so the copy does not keep the
    /// parsed document it came from alive (a status kept for a CR must not hold the platform's whole answer).
    /// </summary>
    internal static JsonNode? Detached(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonObject obj:
                {
                    var copy = new JsonObject();
                    for (var i = 0; i < obj.Count; i++)
                    {
                        var (key, value) = obj.GetAt(i);
                        copy.Add(key, Detached(value));
                    }

                    return copy;
                }

            case JsonArray array:
                {
                    var copy = new JsonArray();
                    for (var i = 0; i < array.Count; i++)
                    {
                        copy.Add(Detached(array[i]));
                    }

                    return copy;
                }

            case JsonValue value when value.TryGetValue<System.Text.Json.JsonElement>(out var element):
                return element.ValueKind switch
                {
                    System.Text.Json.JsonValueKind.String => JsonValue.Create(element.GetString()),
                    System.Text.Json.JsonValueKind.True => JsonValue.Create(true),
                    System.Text.Json.JsonValueKind.False => JsonValue.Create(false),
                    // A number keeps its text (and reads as any numeric type), in a document of its own.
                    _ => JsonNode.Parse(element.GetRawText()),
                };
            default:
                return node.DeepClone();
        }
    }

    internal static int DepthCore(JsonNode? node, int depth, int maxDepth)
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
