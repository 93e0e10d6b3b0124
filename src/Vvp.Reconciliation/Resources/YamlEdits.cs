using System.Text;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Vvp.Reconciliation.Resources;

/// <summary>
/// Changes one YAML document's text into another document by editing only the lines whose values change: a removed
/// key loses its lines, an added key gets new lines after its mapping's last entry, a changed scalar is replaced where
/// it stands (a comment after it on the line stays), and anything else changed (a sequence, a flow collection, a value
/// of another type) is written anew in its entry's place. Comments, key order, quoting and blank lines of every other
/// line stay byte for byte. The result is read back and compared; when it would not read as the new document (an
/// anchor, an alias, a layout this does not edit), there is no edit and the caller writes the document whole.
/// </summary>
internal static class YamlEdits
{
    /// <summary>The edited text, or <see langword="null"/> when the document is to be written whole.</summary>
    /// <param name="text">One document's text, starting at its root node (column 1) and ending after its last line.</param>
    /// <param name="updated">The document it is to read as.</param>
    /// <returns>The edited text, or <see langword="null"/>.</returns>
    public static string? TryEdit(string text, JsonNode? updated)
    {
        try
        {
            var root = Parse(text);
            var original = ResourceReader.Read(text);
            if (root is null || !original.IsSuccess || original.Document is not JsonObject before || updated is not JsonObject after)
            {
                return null;
            }

            var edits = new List<Edit>();
            EditMapping(text, root, before, after, edits);
            var result = Apply(text, edits);
            var check = ResourceReader.Read(result);
            return check.IsSuccess && JsonEquality.Equals(check.Document, updated) ? result : null;
        }
        catch (Exception ex) when (ex is YamlException or NotEditable or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    private static void EditMapping(string text, Node mapping, JsonObject before, JsonObject after, List<Edit> edits)
    {
        if (mapping.Flow || mapping.Entries.Count == 0)
        {
            throw new NotEditable();
        }

        foreach (var (key, value) in mapping.Entries)
        {
            var name = key.Value ?? throw new NotEditable();
            if (!after.TryGetPropertyValue(name, out var next))
            {
                // The entry's lines go, from its line's start; a key not first on its line (after "- ") is not edited here.
                var lineStart = LineStart(text, key.Start);
                if (!IsBlank(text, lineStart, key.Start))
                {
                    throw new NotEditable();
                }

                edits.Add(new Edit(lineStart, EntryEnd(text, value), string.Empty));
                continue;
            }

            var previous = before[name];
            if (JsonEquality.Equals(previous, next))
            {
                continue;
            }

            if (value.Kind == NodeKind.Mapping && !value.Flow && previous is JsonObject previousObject && next is JsonObject { Count: > 0 } nextObject)
            {
                EditMapping(text, value, previousObject, nextObject, edits);
            }
            else if (value.Kind == NodeKind.Scalar && next is not (JsonObject or JsonArray) && !value.Block && Line(text, value.Start) == Line(text, Math.Max(value.Start, value.End - 1)) && value.End > value.Start)
            {
                // A scalar on one line: only its text changes; what follows it on the line (a comment) stays.
                edits.Add(new Edit(value.Start, value.End, InlineScalar(next)));
            }
            else
            {
                // The entry is written anew in its place: its key stays where it is, its value is rendered below it.
                edits.Add(new Edit(key.Start, EntryEnd(text, value), Entry(name, next, mapping.Column, firstLineIndented: false)));
            }
        }

        var added = after.Where(p => !mapping.Entries.Any(e => e.Key.Value == p.Key)).ToList();
        if (added.Count > 0)
        {
            var at = EntryEnd(text, mapping.Entries[^1].Value);
            var rendered = new StringBuilder();
            foreach (var (name, value) in added)
            {
                rendered.Append(Entry(name, value, mapping.Column, firstLineIndented: true));
            }

            if (at > 0 && text[at - 1] != '\n')
            {
                rendered.Insert(0, '\n');
            }

            edits.Add(new Edit(at, at, rendered.ToString()));
        }
    }

    // "key: value" as block YAML, every line after the first (or every line) indented to the mapping's column.
    private static string Entry(string name, JsonNode? value, int column, bool firstLineIndented)
    {
        var yaml = ResourceWriter.ToYaml(new JsonObject { [name] = value?.DeepClone() });
        var lines = yaml.TrimEnd('\n').Split('\n');
        var indent = new string(' ', column);
        var builder = new StringBuilder();
        for (var i = 0; i < lines.Length; i++)
        {
            builder.Append(i > 0 || firstLineIndented ? indent : string.Empty).Append(lines[i]).Append('\n');
        }

        return builder.ToString();
    }

    private static string InlineScalar(JsonNode? value)
    {
        var yaml = ResourceWriter.ToYaml(new JsonObject { ["k"] = value?.DeepClone() }).TrimEnd('\n');
        return yaml.Contains('\n', StringComparison.Ordinal) || !yaml.StartsWith("k: ", StringComparison.Ordinal) ? throw new NotEditable() : yaml[3..];
    }

    private static string Apply(string text, List<Edit> edits)
    {
        edits.Sort((a, b) => a.Start.CompareTo(b.Start));
        var builder = new StringBuilder(text.Length);
        var position = 0;
        foreach (var edit in edits)
        {
            if (edit.Start < position)
            {
                throw new NotEditable();
            }

            builder.Append(text, position, edit.Start - position).Append(edit.Text);
            position = edit.End;
        }

        return builder.Append(text, position, text.Length - position).ToString();
    }

    // Where an entry's lines end: after the newline of the line its value ends on (a block scalar ends at a line's start).
    private static int EntryEnd(string text, Node value)
    {
        var end = value.End;
        if (end > 0 && text[end - 1] == '\n')
        {
            return end;
        }

        var newline = text.IndexOf('\n', end);
        return newline < 0 ? text.Length : newline + 1;
    }

    private static int LineStart(string text, int index) => index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1;

    private static int Line(string text, int index) => text.AsSpan(0, Math.Min(index, text.Length)).Count('\n');

    private static bool IsBlank(string text, int from, int to) => text.AsSpan(from, to - from).Trim(' ').IsEmpty;

    // The document's nodes with where they stand; an anchor or alias makes the document not editable here.
    private static Node? Parse(string text)
    {
        var parser = new Parser(new StringReader(text));
        parser.Consume<StreamStart>();
        parser.Consume<DocumentStart>();
        return parser.Current is MappingStart ? Read(parser, text) : null;
    }

    private static Node Read(IParser parser, string text)
    {
        var current = parser.Current!;
        parser.MoveNext();
        switch (current)
        {
            case Scalar scalar:
                Check(scalar);
                return new Node(NodeKind.Scalar, (int)scalar.Start.Index, (int)scalar.End.Index, (int)scalar.Start.Column - 1, false, scalar.Style is ScalarStyle.Literal or ScalarStyle.Folded, scalar.Value);
            case MappingStart start:
                {
                    Check(start);
                    var node = new Node(NodeKind.Mapping, (int)start.Start.Index, (int)start.End.Index, -1, start.Style == MappingStyle.Flow, false, null);
                    while (parser.Current is not MappingEnd)
                    {
                        var key = Read(parser, text);
                        if (key.Kind != NodeKind.Scalar)
                        {
                            throw new NotEditable();
                        }

                        var value = Read(parser, text);
                        node.Entries.Add((key, value));
                    }

                    node.Column = node.Entries.Count > 0 ? node.Entries[0].Key.Column : (int)start.Start.Column - 1;
                    node.End = End(parser.Current!, node.Entries.Count > 0 ? node.Entries[^1].Value.End : node.End, text);
                    parser.MoveNext();
                    return node;
                }

            case SequenceStart start:
                {
                    Check(start);
                    var node = new Node(NodeKind.Sequence, (int)start.Start.Index, (int)start.End.Index, (int)start.Start.Column - 1, start.Style == SequenceStyle.Flow, false, null);
                    var end = node.End;
                    while (parser.Current is not SequenceEnd)
                    {
                        end = Math.Max(end, Read(parser, text).End);
                    }

                    node.End = End(parser.Current!, end, text);
                    parser.MoveNext();
                    return node;
                }

            default:
                throw new NotEditable();
        }
    }

    // A flow collection ends after its closing bracket; a block one where its last value ends.
    private static int End(ParsingEvent closing, int lastValueEnd, string text)
    {
        var at = (int)closing.Start.Index;
        return at < text.Length && text[at] is '}' or ']' ? Math.Max(lastValueEnd, at + 1) : lastValueEnd;
    }

    private static void Check(NodeEvent node)
    {
        if (!node.Anchor.IsEmpty)
        {
            throw new NotEditable();
        }
    }

    private enum NodeKind
    {
        Scalar,
        Mapping,
        Sequence,
    }

    private sealed class Node(NodeKind kind, int start, int end, int column, bool flow, bool block, string? value)
    {
        public NodeKind Kind { get; } = kind;

        public int Start { get; } = start;

        public int End { get; set; } = end;

        /// <summary>0-based: the column of a scalar, or of a mapping's keys.</summary>
        public int Column { get; set; } = column;

        public bool Flow { get; } = flow;

        /// <summary>A literal or folded block scalar.</summary>
        public bool Block { get; } = block;

        public string? Value { get; } = value;

        public List<(Node Key, Node Value)> Entries { get; } = [];
    }

    private readonly record struct Edit(int Start, int End, string Text);

    private sealed class NotEditable : Exception;
}
