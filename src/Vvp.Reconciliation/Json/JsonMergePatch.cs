using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Json;

/// <summary>
/// JSON Merge Patch (RFC 7396): objects merge member by member, a <c>null</c> member removes, anything
/// else (arrays included) replaces whole. Neither method mutates its inputs.
/// </summary>
public static class JsonMergePatch
{
    /// <summary>Applies <paramref name="patch"/> to <paramref name="target"/> as RFC 7396 section 2 defines.</summary>
    /// <param name="target">The document to patch; not modified.</param>
    /// <param name="patch">The merge patch; not modified.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>A new document that shares no node with either input.</returns>
    /// <exception cref="JsonDepthLimitExceededException">An input is nested too deeply.</exception>
    /// <example>
    /// <code>
    /// var result = JsonMergePatch.Apply(JsonNode.Parse("""{"a":"b","c":{"d":"e"}}"""),
    ///                                   JsonNode.Parse("""{"a":"z","c":{"d":null}}"""));
    /// // {"a":"z","c":{}}
    /// </code>
    /// </example>
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch, int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        JsonLimits.ValidateMaxDepth(maxDepth);
        return ApplyCore(target, patch, 1, maxDepth);
    }

    /// <summary>
    /// Creates the minimal merge patch that turns <paramref name="source"/> into <paramref name="target"/>:
    /// an object holding only the members that differ, <c>null</c> for removed members; arrays and
    /// non-objects are replaced whole. Equal objects give <c>{}</c>.
    /// </summary>
    /// <remarks>
    /// <c>Apply(source, Create(source, target))</c> equals <paramref name="target"/> whenever
    /// <paramref name="target"/> holds no <c>null</c> member values: RFC 7396 cannot express those.
    /// </remarks>
    /// <param name="source">The document as it is; not modified.</param>
    /// <param name="target">The document as it should be; not modified.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>The merge patch, sharing no node with either input.</returns>
    /// <exception cref="JsonDepthLimitExceededException">An input is nested too deeply.</exception>
    public static JsonNode? Create(JsonNode? source, JsonNode? target, int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        JsonLimits.ValidateMaxDepth(maxDepth);
        if (source is JsonObject sourceObject && target is JsonObject targetObject)
        {
            return CreateObject(sourceObject, targetObject, 1, maxDepth) ?? new JsonObject();
        }

        return JsonTree.CloneCore(target, 1, maxDepth);
    }

    /// <summary>True when <paramref name="patch"/> changes nothing: an object without members.</summary>
    /// <param name="patch">A merge patch.</param>
    /// <returns><see langword="true"/> for <c>{}</c>.</returns>
    public static bool IsEmpty(JsonNode? patch) => patch is JsonObject { Count: 0 };

    /// <summary>
    /// Applies an object patch to <paramref name="target"/> in place: the caller owns the target (a copy of its own).
    /// Only the members the patch names are touched, so a small patch onto a large document costs little.
    /// </summary>
    internal static void ApplyInPlace(JsonObject target, JsonObject patch, int depth, int maxDepth)
    {
        JsonLimits.EnsureDepth(depth, maxDepth);
        for (var i = 0; i < patch.Count; i++)
        {
            var (key, patchValue) = patch.GetAt(i);
            if (patchValue is null)
            {
                target.Remove(key);
            }
            else if (patchValue is JsonObject patchObject && target[key] is JsonObject targetObject)
            {
                ApplyInPlace(targetObject, patchObject, depth + 1, maxDepth);
            }
            else
            {
                target[key] = ApplyCore(null, patchValue, depth + 1, maxDepth);
            }
        }
    }

    internal static JsonNode? ApplyCore(JsonNode? target, JsonNode? patch, int depth, int maxDepth)
    {
        if (patch is not JsonObject patchObject)
        {
            return JsonTree.CloneCore(patch, depth, maxDepth);
        }

        JsonLimits.EnsureDepth(depth, maxDepth);
        var result = new JsonObject();
        var targetObject = target as JsonObject;
        if (targetObject is not null)
        {
            for (var i = 0; i < targetObject.Count; i++)
            {
                var (key, value) = targetObject.GetAt(i);
                if (!patchObject.TryGetPropertyValue(key, out var patchValue))
                {
                    result[key] = JsonTree.CloneCore(value, depth + 1, maxDepth);
                }
                else if (patchValue is not null)
                {
                    result[key] = ApplyCore(value, patchValue, depth + 1, maxDepth);
                }
            }
        }

        for (var i = 0; i < patchObject.Count; i++)
        {
            var (key, patchValue) = patchObject.GetAt(i);
            if (patchValue is not null && (targetObject is null || !targetObject.ContainsKey(key)))
            {
                result[key] = ApplyCore(null, patchValue, depth + 1, maxDepth);
            }
        }

        return result;
    }

    internal static JsonObject? CreateObject(JsonObject source, JsonObject target, int depth, int maxDepth)
    {
        JsonLimits.EnsureDepth(depth, maxDepth);
        JsonObject? patch = null;
        for (var i = 0; i < source.Count; i++)
        {
            var key = source.GetAt(i).Key;
            if (!target.ContainsKey(key))
            {
                (patch ??= new JsonObject())[key] = null;
            }
        }

        for (var i = 0; i < target.Count; i++)
        {
            var (key, targetValue) = target.GetAt(i);
            if (!source.TryGetPropertyValue(key, out var sourceValue))
            {
                (patch ??= new JsonObject())[key] = JsonTree.CloneCore(targetValue, depth + 1, maxDepth);
            }
            else if (sourceValue is JsonObject sourceChild && targetValue is JsonObject targetChild)
            {
                var childPatch = CreateObject(sourceChild, targetChild, depth + 1, maxDepth);
                if (childPatch is not null)
                {
                    (patch ??= new JsonObject())[key] = childPatch;
                }
            }
            else if (!JsonEquality.EqualsCore(sourceValue, targetValue, depth + 1, maxDepth))
            {
                (patch ??= new JsonObject())[key] = JsonTree.CloneCore(targetValue, depth + 1, maxDepth);
            }
        }

        return patch;
    }
}
