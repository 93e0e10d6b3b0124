using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>What an answer of the Kubernetes API holds, for <see cref="JsonAnswer.Read"/>.</summary>
internal enum AnswerShape
{
    /// <summary>One object (a GET, a write's answer).</summary>
    Object,

    /// <summary>A list: each of its <c>items</c> is read alone.</summary>
    List,

    /// <summary>A watch event: its <c>object</c> is read alone.</summary>
    WatchEvent,
}

/// <summary>
/// Reads the Kubernetes API's JSON so that one object costs only itself (SEMANTICS §1, issue of hostile answers): the
/// answer is read token by token without a depth limit of its own; each object (a list's item, a watch event's object, a
/// GET's answer) nested deeper than <see cref="ObjectDepth"/> is cut at that depth (the cut subtree becomes <c>{}</c>, so
/// the object stays too deep for the validator, which names the path) and marked with <see cref="TruncatedMember"/>; an
/// object with a duplicate key or a string that is not valid UTF-16 is left out and named in the problems. Only an
/// answer that is not JSON at all fails as a whole.
/// </summary>
internal static class JsonAnswer
{
    /// <summary>The deepest an object is read: the validator's limit (deeper CRs are refused, naming the path).</summary>
    public const int ObjectDepth = JsonLimits.DefaultMaxDepth;

    /// <summary>The member a cut object carries: the JSON Pointer of the first cut, from the object's root.</summary>
    public const string TruncatedMember = "x-vvp-truncated";

    // The reader itself walks any depth (it is not recursive); the tree it builds never exceeds ObjectDepth + 1.
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 1_000_000 };

    /// <summary>Reads an answer.</summary>
    /// <param name="utf8">The answer's body.</param>
    /// <param name="shape">What it holds.</param>
    /// <param name="problems">Receives one line per object left out.</param>
    /// <returns>The answer as a tree.</returns>
    /// <exception cref="JsonException">The answer is not a JSON object.</exception>
    public static JsonObject Read(ReadOnlySpan<byte> utf8, AnswerShape shape, List<string> problems)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The answer is not a JSON object.");
        }

        if (shape == AnswerShape.Object)
        {
            var (value, problem, _) = ReadValue(ref reader, ObjectDepth);
            if (problem is not null || value is not JsonObject single)
            {
                throw new JsonException(problem ?? "The answer is not a JSON object.");
            }

            return single;
        }

        var root = new JsonObject();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (shape == AnswerShape.List && name == "items" && reader.TokenType == JsonTokenType.StartArray)
            {
                var items = new JsonArray();
                var index = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var (item, problem, _) = ReadValue(ref reader, ObjectDepth);
                    if (problem is null)
                    {
                        items.Add(item);
                    }
                    else
                    {
                        problems.Add($"item {index} is left out: {problem}");
                    }

                    index++;
                }

                root[name] = items;
            }
            else if (shape == AnswerShape.WatchEvent && name == "object")
            {
                var (obj, problem, _) = ReadValue(ref reader, ObjectDepth);
                if (problem is null)
                {
                    root[name] = obj;
                }
                else
                {
                    problems.Add($"the event's object is left out: {problem}");
                }
            }
            else
            {
                var (value, problem, _) = ReadValue(ref reader, ObjectDepth);
                if (problem is not null)
                {
                    throw new JsonException($"The answer's member '{name}' cannot be read: {problem}");
                }

                root[name] = value;
            }
        }

        return root;
    }

    // Reads the value the reader is at, all of it, whatever it holds: the tree (cut below maxDepth), or the problem
    // that leaves it out. The reader ends on the value's last token.
    private static (JsonNode? Value, string? Problem, string? CutAt) ReadValue(ref Utf8JsonReader reader, int maxDepth)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            var (scalar, scalarProblem) = Scalar(ref reader, null, null);
            return (scalar, scalarProblem, null);
        }

        JsonNode root = reader.TokenType == JsonTokenType.StartObject ? new JsonObject() : new JsonArray();
        var frames = new Stack<Frame>();
        frames.Push(new Frame(root, null, null));
        string? problem = null;
        string? cutAt = null;
        while (reader.Read())
        {
            var frame = frames.Peek();
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    try
                    {
                        frame.Name = reader.GetString();
                    }
                    catch (InvalidOperationException)
                    {
                        problem ??= $"a key under '{Pointer(frame.Path())}' is not valid UTF-16";
                        frame.Name = null;
                    }

                    continue;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    frames.Pop();
                    if (frames.Count == 0)
                    {
                        if (problem is not null)
                        {
                            return (null, problem, null);
                        }

                        if (cutAt is not null && root is JsonObject cut)
                        {
                            cut[TruncatedMember] = cutAt;
                        }

                        return (root, null, cutAt);
                    }

                    continue;
            }

            // The child's segment: its key, or its index (the path itself is spelled out only when it is needed).
            var segment = frame.Container is JsonArray ? frame.Index++.ToString(System.Globalization.CultureInfo.InvariantCulture) : frame.Name ?? "?";
            JsonNode? child;
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            {
                if (frames.Count >= maxDepth)
                {
                    // Too deep to keep: an empty object stands for it, one level below the limit, and the path is kept.
                    reader.Skip();
                    child = new JsonObject();
                    cutAt ??= frame.Path() + "/" + Escape(segment);
                }
                else
                {
                    child = reader.TokenType == JsonTokenType.StartObject ? new JsonObject() : new JsonArray();
                    problem ??= Add(frame, child, segment);
                    frames.Push(new Frame(child, frame, segment));
                    continue;
                }
            }
            else
            {
                string? scalarProblem;
                (child, scalarProblem) = Scalar(ref reader, frame, segment);
                problem ??= scalarProblem;
            }

            problem ??= Add(frame, child, segment);
        }

        throw new JsonException("The answer ends inside a value.");
    }

    private static string? Add(Frame frame, JsonNode? child, string segment)
    {
        switch (frame.Container)
        {
            case JsonArray array:
                array.Add(child);
                return null;
            case JsonObject obj when frame.Name is { } name:
                if (obj.ContainsKey(name))
                {
                    return $"the key '{Pointer(frame.Path() + "/" + Escape(segment))}' appears twice";
                }

                obj.Add(name, child);
                return null;
            default:
                return null;
        }
    }

    private static (JsonNode? Value, string? Problem) Scalar(ref Utf8JsonReader reader, Frame? frame, string? segment)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                try
                {
                    return (JsonValue.Create(reader.GetString()), null);
                }
                catch (InvalidOperationException)
                {
                    return (null, $"the string at '{Pointer(frame is null ? string.Empty : frame.Path() + "/" + Escape(segment!))}' is not valid UTF-16");
                }

            case JsonTokenType.Number:
                return (JsonValue.Create(JsonElement.ParseValue(ref reader)), null);
            case JsonTokenType.True:
                return (JsonValue.Create(true), null);
            case JsonTokenType.False:
                return (JsonValue.Create(false), null);
            default:
                return (null, null);
        }
    }

    private static string Escape(string key) => key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    private static string Pointer(string path) => DisplayTextOf(path.Length == 0 ? "/" : path);

    private static string DisplayTextOf(string text) => Vvp.Reconciliation.Platform.DisplayText.Clean(text, 300);

    private sealed class Frame(JsonNode container, Frame? parent, string? segment)
    {
        public JsonNode Container { get; } = container;

        public string? Name { get; set; }

        public int Index { get; set; }

        // The JSON Pointer of this container from the object's root.
        public string Path()
        {
            var segments = new List<string>();
            for (var f = this; f.Segment is not null; f = f.Parent!)
            {
                segments.Add(Escape(f.Segment));
            }

            segments.Reverse();
            return segments.Count == 0 ? string.Empty : "/" + string.Join('/', segments);
        }

        private Frame? Parent { get; } = parent;

        private string? Segment { get; } = segment;
    }
}
