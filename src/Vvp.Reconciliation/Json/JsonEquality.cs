using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Json;

/// <summary>
/// Normalised JSON equality: object member order is ignored, numbers compare by mathematical value
/// (<c>1</c> equals <c>1.0</c> and <c>1e0</c>), strings compare ordinally, arrays compare element by element.
/// </summary>
public static class JsonEquality
{
    /// <summary>Compares two JSON trees for normalised equality.</summary>
    /// <param name="a">The first document; <see langword="null"/> is the JSON literal <c>null</c>.</param>
    /// <param name="b">The second document.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns><see langword="true"/> when the documents are equal.</returns>
    /// <exception cref="JsonDepthLimitExceededException">A document is nested deeper than <paramref name="maxDepth"/>.</exception>
    public static bool Equals(JsonNode? a, JsonNode? b, int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        JsonLimits.ValidateMaxDepth(maxDepth);
        return EqualsCore(a, b, 1, maxDepth);
    }

    internal static bool EqualsCore(JsonNode? a, JsonNode? b, int depth, int maxDepth)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        switch (a)
        {
            case null:
                return b is null;
            case JsonObject objectA:
                {
                    if (b is not JsonObject objectB || objectA.Count != objectB.Count)
                    {
                        return false;
                    }

                    JsonLimits.EnsureDepth(depth, maxDepth);
                    for (var i = 0; i < objectA.Count; i++)
                    {
                        var (key, valueA) = objectA.GetAt(i);

                        // Same key order is the common case: try the same position before a lookup.
                        var (keyB, valueB) = objectB.GetAt(i);
                        if (!string.Equals(key, keyB, StringComparison.Ordinal) && !objectB.TryGetPropertyValue(key, out valueB))
                        {
                            return false;
                        }

                        if (!EqualsCore(valueA, valueB, depth + 1, maxDepth))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            case JsonArray arrayA:
                {
                    if (b is not JsonArray arrayB || arrayA.Count != arrayB.Count)
                    {
                        return false;
                    }

                    JsonLimits.EnsureDepth(depth, maxDepth);
                    for (int i = 0, count = arrayA.Count; i < count; i++)
                    {
                        if (!ItemEquals(arrayA[i], arrayB[i], depth + 1, maxDepth))
                        {
                            return false;
                        }
                    }

                    return true;
                }

            default:
                return b is JsonValue valueB2 && JsonValues.ScalarEquals((JsonValue)a, valueB2);
        }
    }

    /// <summary>Two elements of arrays: scalars (the common element) compared directly, anything else as <see cref="EqualsCore"/>.</summary>
    internal static bool ItemEquals(JsonNode? a, JsonNode? b, int depth, int maxDepth) =>
        a is null or JsonObject or JsonArray || b is null or JsonObject or JsonArray
            ? EqualsCore(a, b, depth, maxDepth)
            // A node that is neither null, an object nor an array is a value (the only other kind of node there is);
            // the two sealed types are checked instead of the value's hierarchy.
            : JsonValues.ScalarEquals(Unsafe.As<JsonValue>(a), Unsafe.As<JsonValue>(b));
}
