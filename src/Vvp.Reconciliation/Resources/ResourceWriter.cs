using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Vvp.Reconciliation.Resources;

/// <summary>
/// Writes CR documents back as text: YAML that <see cref="ResourceReader"/> reads back to the same tree, and
/// the replacement of single documents inside a file, leaving every other document (and the comments between
/// documents) as they were.
/// </summary>
/// <example>
/// <code>
/// var text = File.ReadAllText("crs.yaml");
/// var updated = ResourceWriter.ReplaceDocuments(text, new Dictionary&lt;int, JsonNode?&gt; { [1] = changedCr });
/// File.WriteAllText("crs.yaml", updated);   // the first document is untouched
/// </code>
/// </example>
public static class ResourceWriter
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The document as block-style YAML; strings that would read as another type are quoted.</summary>
    /// <param name="document">The document.</param>
    /// <returns>YAML text ending in a newline.</returns>
    public static string ToYaml(JsonNode? document)
    {
        var writer = new StringWriter { NewLine = "\n" };
        var emitter = new Emitter(writer, 2, int.MaxValue, false);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, true));
        Emit(emitter, document);
        emitter.Emit(new DocumentEnd(true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    /// <summary>
    /// Replaces documents of a YAML stream (or the one JSON document) by index, counting documents as
    /// <see cref="ResourceReader.ReadAll(string, ResourceReaderOptions?)"/> does. Other documents are kept byte for
    /// byte. In a replaced YAML document only the lines whose values change are edited: comments, key order, quoting
    /// and blank lines of every other line stay as they were (a document with anchors or aliases is written whole).
    /// A JSON document is written whole, indented (JSON stays JSON).
    /// </summary>
    /// <param name="text">The file's text.</param>
    /// <param name="replacements">The new documents by index.</param>
    /// <returns>The new text.</returns>
    /// <exception cref="ArgumentException">The text cannot be read, or an index names no document.</exception>
    public static string ReplaceDocuments(string text, IReadOnlyDictionary<int, JsonNode?> replacements)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(replacements);
        if (replacements.Count == 0)
        {
            return text;
        }

        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.Length > 0 && trimmed[0] is '{' or '[' && IsStrictJson(text))
        {
            if (replacements.Keys.Any(i => i != 0))
            {
                throw new ArgumentException("A JSON file holds one document (index 0).", nameof(replacements));
            }

            var newline = text.EndsWith('\n') ? "\n" : string.Empty;
            return replacements[0]?.ToJsonString(Indented) + newline;
        }

        var ranges = DocumentRanges(text);
        var result = new System.Text.StringBuilder(text.Length);
        var position = 0;
        foreach (var (index, (start, end, column)) in ranges.Select((r, i) => (i, r)))
        {
            if (!replacements.TryGetValue(index, out var replacement))
            {
                continue;
            }

            result.Append(text, position, start - position);
            // Only the lines that change are edited; a document this cannot edit so is written whole.
            if (column == 1 && YamlEdits.TryEdit(text[start..end], replacement) is { } edited)
            {
                result.Append(edited);
                position = end;
                continue;
            }

            // Block YAML cannot follow "--- " on the same line.
            result.Append(column > 1 ? "\n" : string.Empty).Append(ToYaml(replacement));
            if (column < 0 && end < text.Length && text[end] != '\n')
            {
                result.Append('\n');
            }
            position = end;
        }

        var missing = replacements.Keys.Where(i => i < 0 || i >= ranges.Count).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"The text has {ranges.Count} document(s); there is no document {missing[0]}.", nameof(replacements));
        }

        result.Append(text, position, text.Length - position);
        return result.ToString();
    }

    private static bool IsStrictJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 256 });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // Each non-empty document's content: from its root node to the end of the line of its last value, so
    // comments before a document and between documents stay where they are.
    private static List<(int Start, int End, long Column)> DocumentRanges(string text)
    {
        var ranges = new List<(int Start, int End, long Column)>();
        try
        {
            var parser = new Parser(new StringReader(text));
            int start = -1, last = -1;
            long column = 0;
            var empty = false;
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case DocumentStart:
                        start = -1;
                        last = -1;
                        break;
                    case DocumentEnd:
                        if (start >= 0)
                        {
                            var newline = empty ? -1 : text.IndexOf('\n', last);
                            ranges.Add((start, empty ? start : newline < 0 ? text.Length : newline + 1, empty ? -1 : column));
                        }

                        break;
                    case NodeEvent node:
                        if (start < 0)
                        {
                            start = (int)node.Start.Index;
                            column = node.Start.Column;
                            empty = node is Scalar { Value.Length: 0, Style: ScalarStyle.Plain, Tag.IsEmpty: true, Anchor.IsEmpty: true };
                        }

                        last = Math.Max(last, (int)node.End.Index);
                        break;
                    case MappingEnd or SequenceEnd:
                        var at = (int)parser.Current.Start.Index;
                        if (at < text.Length && text[at] is '}' or ']')
                        {
                            last = Math.Max(last, at + 1);
                        }

                        break;
                }
            }
        }
        catch (YamlException ex)
        {
            throw new ArgumentException($"The YAML cannot be read at line {ex.Start.Line}: {ex.Message}", nameof(text), ex);
        }

        // Trailing empty documents are not documents (as in the reader); an empty one in the middle still counts.
        while (ranges.Count > 0 && ranges[^1].Column < 0)
        {
            ranges.RemoveAt(ranges.Count - 1);
        }

        return ranges;
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, true, MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    EmitString(emitter, key);
                    Emit(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, true, SequenceStyle.Block));
                foreach (var item in array)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case null:
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                EmitString(emitter, value.GetValue<string>());
                break;
            default:
                // Numbers and booleans as their JSON text, which reads back as the same value.
                emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, node.ToJsonString(), ScalarStyle.Plain, true, false));
                break;
        }
    }

    private static void EmitString(IEmitter emitter, string text) =>
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, text, YamlTreeBuilder.PlainReadsAsString(text) ? ScalarStyle.Any : ScalarStyle.DoubleQuoted, true, true));
}
