using System.Collections.ObjectModel;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Json;

/// <summary>
/// A JSON Patch document (RFC 6902): parse it, apply it atomically, or create one from two documents.
/// </summary>
/// <example>
/// <code>
/// var patch = JsonPatch.Create(live, desired);   // e.g. [{"op":"replace","path":"/spec/parallelism","value":4}]
/// var result = patch.Apply(live);                // deep-equals desired; live is untouched
/// </code>
/// </example>
public sealed class JsonPatch
{
    /// <summary>Creates a patch from operations.</summary>
    /// <param name="operations">The operations, applied in order.</param>
    public JsonPatch(IEnumerable<JsonPatchOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        Operations = new ReadOnlyCollection<JsonPatchOperation>([.. operations]);
    }

    /// <summary>The operations, in order.</summary>
    public IReadOnlyList<JsonPatchOperation> Operations { get; }

    /// <summary>True when the patch has no operations.</summary>
    public bool IsEmpty => Operations.Count == 0;

    /// <summary>Parses a JSON Patch from JSON text.</summary>
    /// <param name="json">A JSON array of operation objects.</param>
    /// <returns>The patch.</returns>
    /// <exception cref="JsonPatchException">The text is not JSON or not a valid patch.</exception>
    public static JsonPatch Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new JsonPatchException($"The JSON Patch is not valid JSON: {ex.Message}", ex);
        }

        return Parse(node);
    }

    /// <summary>Parses a JSON Patch from a JSON tree.</summary>
    /// <param name="node">A JSON array of operation objects; not modified.</param>
    /// <returns>The patch.</returns>
    /// <exception cref="JsonPatchException">The tree is not a valid patch; the message names the operation index.</exception>
    public static JsonPatch Parse(JsonNode? node)
    {
        if (node is not JsonArray array)
        {
            throw new JsonPatchException(null, "A JSON Patch must be a JSON array of operations.");
        }

        var operations = new List<JsonPatchOperation>(array.Count);
        for (var i = 0; i < array.Count; i++)
        {
            operations.Add(ParseOperation(array[i], i));
        }

        return new JsonPatch(operations);
    }

    /// <summary>
    /// Creates a patch that turns <paramref name="source"/> into <paramref name="target"/>. Objects are
    /// compared by key, arrays by position after trimming their common prefix and suffix; an object
    /// inside an array that has changed in most of its members is replaced whole. Time and memory are
    /// linear in the size of the documents.
    /// </summary>
    /// <param name="source">The document as it is; not modified.</param>
    /// <param name="target">The document as it should be; not modified.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>A patch with <c>Create(a, b).Apply(a)</c> deep-equal to <c>b</c>.</returns>
    /// <exception cref="JsonDepthLimitExceededException">An input is nested too deeply.</exception>
    public static JsonPatch Create(JsonNode? source, JsonNode? target, int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        JsonLimits.ValidateMaxDepth(maxDepth);
        var differ = new Differ(maxDepth);
        differ.Diff(source, target, 1, replaceMostlyChangedObjects: false);
        return new JsonPatch(differ.Operations);
    }

    /// <summary>
    /// Diffs <paramref name="source"/> against <c>JsonMergePatch.Apply(source, mergePatch)</c> without building that
    /// document: only the members the merge patch names are visited. The operations appended to
    /// <paramref name="operations"/> are those of <see cref="Create"/> for the two, in the same order, under the pointer
    /// <paramref name="prefix"/>; the returned object is what <see cref="JsonMergePatch.Create"/> gives for them.
    /// </summary>
    /// <param name="source">The document as it is; not modified.</param>
    /// <param name="mergePatch">The RFC 7396 patch to be merged onto it; not modified.</param>
    /// <param name="prefix">The pointer token the source sits under.</param>
    /// <param name="operations">Receives the RFC 6902 operations.</param>
    /// <param name="depth">The nesting depth of <paramref name="source"/>.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <param name="arrayCopies">
    /// Where the patch's arrays that the body carries are copied from, when <paramref name="mergePatch"/> is a node of a
    /// tree that does not change; <see langword="null"/>: each copied node by node.
    /// </param>
    /// <returns>The minimal merge patch, or <see langword="null"/> when merging changes nothing.</returns>
    internal static JsonObject? CreateForMerge(JsonObject source, JsonObject mergePatch, string prefix, List<JsonPatchOperation> operations, int depth, int maxDepth, JsonArrayCopies? arrayCopies = null)
    {
        var differ = new Differ(maxDepth, operations) { ArrayCopies = arrayCopies };
        differ.Push(prefix);
        return differ.DiffMerge(source, mergePatch, depth);
    }

    /// <summary>Appends the operations of <see cref="Create"/> for two documents that sit under the pointer token <paramref name="prefix"/>.</summary>
    internal static void CreateInto(JsonNode? source, JsonNode? target, string prefix, List<JsonPatchOperation> operations, int depth, int maxDepth)
    {
        var differ = new Differ(maxDepth, operations);
        differ.Push(prefix);
        differ.Diff(source, target, depth, replaceMostlyChangedObjects: false);
    }

    /// <summary>
    /// Applies the patch. The application is atomic: <paramref name="document"/> is never modified, and
    /// on failure no partial result escapes.
    /// </summary>
    /// <param name="document">The document to patch; not modified.</param>
    /// <param name="maxDepth">The deepest nesting accepted, for the input and the result.</param>
    /// <returns>The patched document, sharing no node with the input or the patch.</returns>
    /// <exception cref="JsonPatchException">An operation failed; the message names its index and the reason.</exception>
    /// <exception cref="JsonDepthLimitExceededException">A document is nested too deeply.</exception>
    public JsonNode? Apply(JsonNode? document, int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        JsonLimits.ValidateMaxDepth(maxDepth);
        var root = JsonTree.CloneCore(document, 1, maxDepth);
        for (var i = 0; i < Operations.Count; i++)
        {
            root = ApplyOperation(root, Operations[i], i, maxDepth);
        }

        JsonTree.Depth(root, maxDepth);
        return root;
    }

    /// <summary>The patch as a JSON array.</summary>
    /// <returns>A new JSON array of operation objects.</returns>
    public JsonArray ToJsonNode() => new([.. Operations.Select(o => (JsonNode)o.ToJsonNode())]);

    /// <summary>The patch as compact JSON text.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJsonString() => ToJsonNode().ToJsonString();

    /// <inheritdoc />
    public override string ToString() => ToJsonString();

    private static JsonPatchOperation ParseOperation(JsonNode? node, int index)
    {
        if (node is not JsonObject obj)
        {
            throw new JsonPatchException(index, "an operation must be a JSON object.");
        }

        var opName = ReadString(obj, "op", index) ?? throw new JsonPatchException(index, "the member 'op' is missing.");
        JsonPatchOperationType op = opName switch
        {
            "add" => JsonPatchOperationType.Add,
            "remove" => JsonPatchOperationType.Remove,
            "replace" => JsonPatchOperationType.Replace,
            "move" => JsonPatchOperationType.Move,
            "copy" => JsonPatchOperationType.Copy,
            "test" => JsonPatchOperationType.Test,
            _ => throw new JsonPatchException(index, $"'{opName}' is not an operation (add, remove, replace, move, copy, test)."),
        };

        var path = ReadString(obj, "path", index) ?? throw new JsonPatchException(index, $"the member 'path' of '{opName}' is missing.");
        EnsurePointer(path, "path", index);
        string? from = null;
        if (op is JsonPatchOperationType.Move or JsonPatchOperationType.Copy)
        {
            from = ReadString(obj, "from", index) ?? throw new JsonPatchException(index, $"the member 'from' of '{opName}' is missing.");
            EnsurePointer(from, "from", index);
        }

        JsonNode? value = null;
        if (op is JsonPatchOperationType.Add or JsonPatchOperationType.Replace or JsonPatchOperationType.Test)
        {
            if (!obj.TryGetPropertyValue("value", out value))
            {
                throw new JsonPatchException(index, $"the member 'value' of '{opName}' is missing.");
            }

            value = value?.DeepClone();
        }

        return new JsonPatchOperation(op, path, from, value);
    }

    private static string? ReadString(JsonObject obj, string name, int index)
    {
        if (!obj.TryGetPropertyValue(name, out var node))
        {
            return null;
        }

        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String)
        {
            return JsonValues.GetString(value);
        }

        throw new JsonPatchException(index, $"the member '{name}' must be a string.");
    }

    private static void EnsurePointer(string pointer, string member, int index)
    {
        if (!JsonPointerText.TryParse(pointer, out _))
        {
            throw new JsonPatchException(index, $"'{pointer}' in '{member}' is not a JSON Pointer.");
        }
    }

    private static JsonNode? ApplyOperation(JsonNode? root, JsonPatchOperation operation, int index, int maxDepth)
    {
        var path = Tokens(operation.Path, index);
        switch (operation.Op)
        {
            case JsonPatchOperationType.Add:
                return Add(root, path, CloneValue(operation.Value, maxDepth), operation.Path, index);
            case JsonPatchOperationType.Remove:
                return Remove(root, path, operation.Path, index, out _);
            case JsonPatchOperationType.Replace:
                return Replace(root, path, CloneValue(operation.Value, maxDepth), operation.Path, index);
            case JsonPatchOperationType.Move:
                {
                    var from = Tokens(operation.From!, index);
                    if (from.Length < path.Length && path.AsSpan(0, from.Length).SequenceEqual(from))
                    {
                        throw new JsonPatchException(index, $"cannot move '{operation.From}' into its own child '{operation.Path}'.");
                    }

                    if (from.AsSpan().SequenceEqual(path))
                    {
                        Resolve(root, from, from.Length, operation.From!, index);
                        return root;
                    }

                    root = Remove(root, from, operation.From!, index, out var moved);
                    return Add(root, path, moved, operation.Path, index);
                }

            case JsonPatchOperationType.Copy:
                {
                    var from = Tokens(operation.From!, index);
                    var copy = JsonTree.CloneCore(Resolve(root, from, from.Length, operation.From!, index), 1, maxDepth);
                    return Add(root, path, copy, operation.Path, index);
                }

            default:
                {
                    var actual = Resolve(root, path, path.Length, operation.Path, index);
                    if (!JsonEquality.Equals(actual, operation.Value, maxDepth))
                    {
                        throw new JsonPatchException(index, $"test failed: the value at '{operation.Path}' is not the expected value.");
                    }

                    return root;
                }
        }
    }

    private static JsonNode? CloneValue(JsonNode? value, int maxDepth) => JsonTree.CloneCore(value, 1, maxDepth);

    private static string[] Tokens(string pointer, int index) =>
        JsonPointerText.TryParse(pointer, out var tokens)
            ? tokens
            : throw new JsonPatchException(index, $"'{pointer}' is not a JSON Pointer.");

    private static JsonNode? Resolve(JsonNode? root, string[] tokens, int count, string pointer, int index)
    {
        var current = root;
        for (var i = 0; i < count; i++)
        {
            var token = tokens[i];
            switch (current)
            {
                case JsonObject obj:
                    if (!obj.TryGetPropertyValue(token, out current))
                    {
                        throw new JsonPatchException(index, $"the path '{pointer}' does not exist: no member '{token}'.");
                    }

                    break;
                case JsonArray array:
                    current = array[ArrayIndex(array, token, allowEnd: false, pointer, index)];
                    break;
                default:
                    throw new JsonPatchException(index, $"the path '{pointer}' does not exist: '{token}' is looked up inside a value that is not an object or array.");
            }
        }

        return current;
    }

    private static int ArrayIndex(JsonArray array, string token, bool allowEnd, string pointer, int index)
    {
        if (!JsonPointerText.TryParseIndex(token, out var position))
        {
            throw new JsonPatchException(index, $"'{token}' in '{pointer}' is not an array index.");
        }

        var limit = allowEnd ? array.Count : array.Count - 1;
        if (position > limit)
        {
            throw new JsonPatchException(index, $"the index {token} in '{pointer}' is out of bounds (the array has {array.Count} elements).");
        }

        return position;
    }

    private static JsonNode? Add(JsonNode? root, string[] path, JsonNode? value, string pointer, int index)
    {
        if (path.Length == 0)
        {
            return value;
        }

        var parent = Resolve(root, path, path.Length - 1, pointer, index);
        var last = path[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array when last == "-":
                array.Add(value);
                break;
            case JsonArray array:
                array.Insert(ArrayIndex(array, last, allowEnd: true, pointer, index), value);
                break;
            default:
                throw new JsonPatchException(index, $"cannot add at '{pointer}': its parent is not an object or array.");
        }

        return root;
    }

    private static JsonNode? Remove(JsonNode? root, string[] path, string pointer, int index, out JsonNode? removed)
    {
        if (path.Length == 0)
        {
            throw new JsonPatchException(index, "cannot remove the whole document.");
        }

        var (parent, last, position) = Existing(root, path, pointer, index);
        if (parent is JsonObject obj)
        {
            removed = obj[last];
            obj.Remove(last);
        }
        else
        {
            var array = (JsonArray)parent;
            removed = array[position];
            array.RemoveAt(position);
        }

        return root;
    }

    private static JsonNode? Replace(JsonNode? root, string[] path, JsonNode? value, string pointer, int index)
    {
        if (path.Length == 0)
        {
            return value;
        }

        var (parent, last, position) = Existing(root, path, pointer, index);
        if (parent is JsonObject obj)
        {
            obj[last] = value;
        }
        else
        {
            ((JsonArray)parent)[position] = value;
        }

        return root;
    }

    // The container holding the value at a path that must exist, with the member name or array position.
    private static (JsonNode Parent, string Last, int Position) Existing(JsonNode? root, string[] path, string pointer, int index)
    {
        var parent = Resolve(root, path, path.Length - 1, pointer, index);
        var last = path[^1];
        return parent switch
        {
            JsonObject obj when obj.ContainsKey(last) => (obj, last, -1),
            JsonObject => throw new JsonPatchException(index, $"the path '{pointer}' does not exist: no member '{last}'."),
            JsonArray array => (array, last, ArrayIndex(array, last, allowEnd: false, pointer, index)),
            _ => throw new JsonPatchException(index, $"the path '{pointer}' does not exist: its parent is not an object or array."),
        };
    }

    /// <summary>Generates operations with a reusable token stack, so pointers are built only for emitted operations.</summary>
    private sealed class Differ(int maxDepth, List<JsonPatchOperation>? operations = null)
    {
        private readonly List<string> _tokens = [];

        public List<JsonPatchOperation> Operations { get; } = operations ?? [];

        /// <summary>Where the merge walk copies the patch's arrays for the body; <see langword="null"/>: node by node.</summary>
        public JsonArrayCopies? ArrayCopies { get; init; }

        public void Push(string token) => _tokens.Add(token);

        /// <summary>
        /// The merge walk: the operations <see cref="DiffObject"/> would emit for <paramref name="source"/> and the
        /// merge of <paramref name="patch"/> onto it, in its order (the source's members, then the members the merge
        /// appends, in the patch's order), and the merge patch <see cref="JsonMergePatch.Create"/> would give (members
        /// removed, then members changed in the source's order, then members added). Members the patch does not name
        /// are equal on both sides and are not visited.
        /// </summary>
        public JsonObject? DiffMerge(JsonObject source, JsonObject patch, int depth)
        {
            JsonLimits.EnsureDepth(depth, maxDepth);
            var merge = new MergeWalk();
            var matched = 0;
            if (patch.Count * 8 < source.Count)
            {
                // A patch much smaller than the source: its members are looked up one by one and visited in the source's order.
                var indexes = new List<(int SourceIndex, JsonNode? PatchValue)>(patch.Count);
                for (var i = 0; i < patch.Count; i++)
                {
                    var (key, patchValue) = patch.GetAt(i);
                    if (source.IndexOf(key) is var index and >= 0)
                    {
                        indexes.Add((index, patchValue));
                    }
                }

                indexes.Sort(static (x, y) => x.SourceIndex.CompareTo(y.SourceIndex));
                foreach (var (index, patchValue) in indexes)
                {
                    var (key, sourceValue) = source.GetAt(index);
                    VisitMatched(key, sourceValue, patchValue, depth, ref merge);
                }

                matched = indexes.Count;
            }
            else
            {
                // The source scanned in order. A patch written from the source keeps its order: the member after the last
                // match is tried first, and only a member out of that order costs a lookup.
                var next = 0;
                for (var i = 0; i < source.Count; i++)
                {
                    var (key, sourceValue) = source.GetAt(i);
                    int at;
                    if (next < patch.Count && string.Equals(patch.GetAt(next).Key, key, StringComparison.Ordinal))
                    {
                        at = next;
                    }
                    else if ((at = patch.IndexOf(key)) < 0)
                    {
                        continue;
                    }

                    next = at + 1;
                    matched++;
                    VisitMatched(key, sourceValue, patch.GetAt(at).Value, depth, ref merge);
                }
            }

            foreach (var member in merge.Changed ?? [])
            {
                (merge.Body ??= new JsonObject()).Add(member);
            }

            // Every member of the patch named a source member: nothing is added, and the patch need not be walked again.
            for (var i = 0; matched < patch.Count && i < patch.Count; i++)
            {
                var (key, patchValue) = patch.GetAt(i);
                if (patchValue is null || source.ContainsKey(key))
                {
                    continue;
                }

                var merged = JsonMergePatch.ApplyCore(null, patchValue, depth + 1, maxDepth);
                _tokens.Add(key);
                Operations.Add(JsonPatchOperation.Add(Pointer(), JsonTree.CloneCore(merged, depth + 1, maxDepth)));
                _tokens.RemoveAt(_tokens.Count - 1);
                (merge.Body ??= new JsonObject())[key] = merged;
            }

            return merge.Body;
        }

        // One source member the patch names: removed (null), merged into (both objects), or replaced by the patch's value.
        private void VisitMatched(string key, JsonNode? sourceValue, JsonNode? patchValue, int depth, ref MergeWalk merge)
        {
            _tokens.Add(key);
            if (patchValue is null)
            {
                Operations.Add(JsonPatchOperation.Remove(Pointer()));
                (merge.Body ??= new JsonObject())[key] = null;
            }
            else if (patchValue is JsonObject patchObject && sourceValue is JsonObject sourceObject)
            {
                if (DiffMerge(sourceObject, patchObject, depth + 1) is { } child)
                {
                    (merge.Changed ??= []).Add(KeyValuePair.Create(key, (JsonNode?)child));
                }
            }
            else
            {
                var merged = patchValue is JsonObject ? JsonMergePatch.ApplyCore(null, patchValue, depth + 1, maxDepth) : patchValue;
                var before = Operations.Count;
                Diff(sourceValue, merged, depth + 1, replaceMostlyChangedObjects: false);
                if (Operations.Count != before)
                {
                    (merge.Changed ??= []).Add(KeyValuePair.Create(key, !ReferenceEquals(merged, patchValue) ? merged
                        : merged is JsonArray array && ArrayCopies is { } copies ? copies.Copy(array, depth + 1, maxDepth)
                        : JsonTree.CloneCore(merged, depth + 1, maxDepth)));
                }
            }

            _tokens.RemoveAt(_tokens.Count - 1);
        }

        // What one object's merge walk has built: the merge-patch body (members removed first) and the members changed, in the source's order.
        private struct MergeWalk
        {
            public JsonObject? Body;
            public List<KeyValuePair<string, JsonNode?>>? Changed;
        }

        public void Diff(JsonNode? source, JsonNode? target, int depth, bool replaceMostlyChangedObjects)
        {
            switch (source)
            {
                case JsonObject sourceObject when target is JsonObject targetObject:
                    DiffObject(sourceObject, targetObject, depth, replaceMostlyChangedObjects);
                    return;
                case JsonArray sourceArray when target is JsonArray targetArray:
                    DiffArray(sourceArray, targetArray, depth);
                    return;
                default:
                    if (!JsonEquality.EqualsCore(source, target, depth, maxDepth))
                    {
                        Operations.Add(JsonPatchOperation.Replace(Pointer(), JsonTree.CloneCore(target, depth, maxDepth)));
                    }

                    return;
            }
        }

        private void DiffObject(JsonObject source, JsonObject target, int depth, bool replaceMostlyChanged)
        {
            JsonLimits.EnsureDepth(depth, maxDepth);
            var start = Operations.Count;
            var changedMembers = 0;
            for (var i = 0; i < source.Count; i++)
            {
                var (key, sourceValue) = source.GetAt(i);
                _tokens.Add(key);
                if (!target.TryGetPropertyValue(key, out var targetValue))
                {
                    Operations.Add(JsonPatchOperation.Remove(Pointer()));
                    changedMembers++;
                }
                else
                {
                    var before = Operations.Count;
                    Diff(sourceValue, targetValue, depth + 1, replaceMostlyChangedObjects: false);
                    if (Operations.Count != before)
                    {
                        changedMembers++;
                    }
                }

                _tokens.RemoveAt(_tokens.Count - 1);
            }

            var members = source.Count;
            for (var i = 0; i < target.Count; i++)
            {
                var (key, targetValue) = target.GetAt(i);
                if (source.ContainsKey(key))
                {
                    continue;
                }

                members++;
                changedMembers++;
                _tokens.Add(key);
                Operations.Add(JsonPatchOperation.Add(Pointer(), JsonTree.CloneCore(targetValue, depth + 1, maxDepth)));
                _tokens.RemoveAt(_tokens.Count - 1);
            }

            if (replaceMostlyChanged && members > 1 && changedMembers * 2 > members && Operations.Count - start > 1)
            {
                Operations.RemoveRange(start, Operations.Count - start);
                Operations.Add(JsonPatchOperation.Replace(Pointer(), JsonTree.CloneCore(target, depth, maxDepth)));
            }
        }

        private void DiffArray(JsonArray source, JsonArray target, int depth)
        {
            JsonLimits.EnsureDepth(depth, maxDepth);
            int n = source.Count, m = target.Count, prefix = 0, suffix = 0;
            while (prefix < n && prefix < m && JsonEquality.ItemEquals(source[prefix], target[prefix], depth + 1, maxDepth))
            {
                prefix++;
            }

            while (suffix < n - prefix && suffix < m - prefix &&
                   JsonEquality.ItemEquals(source[n - 1 - suffix], target[m - 1 - suffix], depth + 1, maxDepth))
            {
                suffix++;
            }

            var sourceMiddle = n - prefix - suffix;
            var targetMiddle = m - prefix - suffix;
            var paired = Math.Min(sourceMiddle, targetMiddle);
            for (var i = 0; i < paired; i++)
            {
                _tokens.Add(IndexToken(prefix + i));
                Diff(source[prefix + i], target[prefix + i], depth + 1, replaceMostlyChangedObjects: true);
                _tokens.RemoveAt(_tokens.Count - 1);
            }

            // Removals go from the highest index down, so each path names the element as it is at that moment.
            for (var i = sourceMiddle - 1; i >= paired; i--)
            {
                _tokens.Add(IndexToken(prefix + i));
                Operations.Add(JsonPatchOperation.Remove(Pointer()));
                _tokens.RemoveAt(_tokens.Count - 1);
            }

            for (var i = paired; i < targetMiddle; i++)
            {
                _tokens.Add(IndexToken(prefix + i));
                Operations.Add(JsonPatchOperation.Add(Pointer(), JsonTree.CloneCore(target[prefix + i], depth + 1, maxDepth)));
                _tokens.RemoveAt(_tokens.Count - 1);
            }
        }

        private static string IndexToken(int index) => index.ToString(System.Globalization.CultureInfo.InvariantCulture);

        private string Pointer() => JsonPointerText.Build(_tokens);
    }
}
