using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Json;

/// <summary>
/// Copies of the arrays of one tree that does not change (a resource's), for the merge-patch bodies planned from it:
/// RFC 7396 carries an array whole, so each drift plan of a CR with a long array copies that array. The first copy of an
/// array is an ordinary one; from the second on, the array is written once into a parsed document of its own and each
/// copy is a new <see cref="JsonArray"/> over that document, made without visiting the elements (they become nodes only
/// if the copy is read; writing it copies the document's text). Thread-safe.
/// </summary>
/// <param name="minimumLength">
/// Arrays shorter than this are always copied node by node: a document of their own would cost more than it saves.
/// </param>
internal sealed class JsonArrayCopies(int minimumLength = JsonArrayCopies.DefaultMinimumLength)
{
    /// <summary>The length from which an array copied twice gets a document of its own.</summary>
    public const int DefaultMinimumLength = 64;

    // Each array copied: null after its first copy, its document from the second on.
    private readonly Dictionary<JsonArray, JsonElement?> _frozen = new(ReferenceEqualityComparer.Instance);
    private readonly object _gate = new();

    /// <summary>A copy of <paramref name="array"/>, which must be a node of the unchanging tree this instance serves.</summary>
    /// <param name="array">The array to copy.</param>
    /// <param name="depth">The nesting depth of <paramref name="array"/>.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>A copy that shares no node with <paramref name="array"/> or with any earlier copy.</returns>
    /// <exception cref="JsonDepthLimitExceededException">The array is nested too deeply.</exception>
    public JsonArray Copy(JsonArray array, int depth, int maxDepth)
    {
        if (array.Count < minimumLength)
        {
            return (JsonArray)JsonTree.CloneCore(array, depth, maxDepth)!;
        }

        JsonElement? frozen = null;
        lock (_gate)
        {
            if (_frozen.TryGetValue(array, out frozen))
            {
                // The second copy and every later one: the array's own document, written once.
                _frozen[array] = frozen ??= Freeze(array, depth, maxDepth);
            }
            else
            {
                _frozen.Add(array, null);
            }
        }

        return frozen is { } element
            ? JsonArray.Create(element, array.Options)!
            : (JsonArray)JsonTree.CloneCore(array, depth, maxDepth)!;
    }

    // The array as a parsed document of its own (not rented from a pool: it lives as long as this instance).
    private static JsonElement Freeze(JsonArray array, int depth, int maxDepth)
    {
        // The depth check of an ordinary copy, without keeping the copy.
        JsonTree.DepthCore(array, depth, maxDepth);
        using var buffer = new PooledBufferWriter(4096);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = maxDepth + 1 }))
        {
            array.WriteTo(writer);
        }

        var reader = new Utf8JsonReader(buffer.WrittenSpan, new JsonReaderOptions { MaxDepth = maxDepth + 1 });
        return JsonElement.ParseValue(ref reader);
    }
}
