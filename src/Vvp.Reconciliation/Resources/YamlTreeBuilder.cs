using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vvp.Reconciliation.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Vvp.Reconciliation.Resources;

/// <summary>
/// Builds <see cref="JsonNode"/> trees from YAML parsing events, resolving plain scalars by the YAML 1.2
/// core schema, expanding aliases within a node budget and refusing what JSON cannot hold.
/// </summary>
internal sealed partial class YamlTreeBuilder(IParser parser, ResourceReaderOptions options)
{
    private const string CoreTagPrefix = "tag:yaml.org,2002:";
    private readonly List<string> _path = [];
    private Dictionary<string, JsonNode?> _anchors = new(StringComparer.Ordinal);
    private bool _started;
    private int _nodes;

    /// <summary>True when the document last read had no content at all (not even an explicit <c>~</c>).</summary>
    public bool LastDocumentWasEmpty { get; private set; }

    public bool TryReadDocument(out JsonNode? document, out ResourceMessage? error)
    {
        document = null;
        error = null;
        if (!_started)
        {
            parser.Consume<StreamStart>();
            _started = true;
        }

        if (parser.TryConsume<StreamEnd>(out _))
        {
            return false;
        }

        parser.Consume<DocumentStart>();
        _anchors = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        _nodes = 0;
        _path.Clear();
        LastDocumentWasEmpty = parser.Current is Scalar { Value.Length: 0, Style: ScalarStyle.Plain, Tag.IsEmpty: true, Anchor.IsEmpty: true };
        try
        {
            document = ReadNode(1);
        }
        catch (TreeException ex)
        {
            error = new ResourceMessage(ex.Path, ex.Message);
            return true;
        }

        parser.Consume<DocumentEnd>();
        return true;
    }

    private JsonNode? ReadNode(int depth)
    {
        var start = parser.Current?.Start ?? Mark.Empty;
        switch (parser.Consume<ParsingEvent>())
        {
            case AnchorAlias alias:
                {
                    if (!_anchors.TryGetValue(alias.Value.Value, out var anchored))
                    {
                        throw Fail($"the alias *{alias.Value.Value} refers to no anchor defined before it", start);
                    }

                    Count(CountValues(anchored), start);
                    try
                    {
                        return JsonTree.CloneCore(anchored, depth, options.MaxDepth);
                    }
                    catch (JsonDepthLimitExceededException)
                    {
                        throw Fail($"the document is nested deeper than the maximum depth of {options.MaxDepth}", start);
                    }
                }

            case Scalar scalar:
                {
                    Count(1, start);
                    var value = Resolve(scalar, start);
                    Remember(scalar, value);
                    return value;
                }

            case SequenceStart sequence:
                {
                    EnsureCollectionTag(sequence.Tag, "seq", start);
                    EnsureDepth(depth, start);
                    Count(1, start);
                    var array = new JsonArray();
                    while (!parser.TryConsume<SequenceEnd>(out _))
                    {
                        _path.Add(array.Count.ToString(CultureInfo.InvariantCulture));
                        array.Add(ReadNode(depth + 1));
                        _path.RemoveAt(_path.Count - 1);
                    }

                    Remember(sequence, array);
                    return array;
                }

            case MappingStart mapping:
                {
                    EnsureCollectionTag(mapping.Tag, "map", start);
                    EnsureDepth(depth, start);
                    Count(1, start);
                    var obj = new JsonObject();
                    var merged = new List<JsonObject>();
                    while (!parser.TryConsume<MappingEnd>(out _))
                    {
                        var keyStart = parser.Current?.Start ?? Mark.Empty;
                        if (parser.Current is not Scalar keyScalar)
                        {
                            throw Fail("a mapping key must be a plain value, not a mapping, sequence or alias", keyStart);
                        }

                        parser.MoveNext();
                        var key = keyScalar.Value;
                        _path.Add(key);
                        if (key == "<<" && keyScalar.Style == ScalarStyle.Plain)
                        {
                            merged.AddRange(MergeSources(ReadNode(depth + 1), keyStart));
                        }
                        else
                        {
                            if (obj.ContainsKey(key))
                            {
                                throw Fail($"the key '{key}' appears twice in one mapping", keyStart);
                            }

                            obj[key] = ReadNode(depth + 1);
                        }

                        _path.RemoveAt(_path.Count - 1);
                    }

                    foreach (var source in merged)
                    {
                        foreach (var (key, value) in source)
                        {
                            if (!obj.ContainsKey(key))
                            {
                                obj[key] = value?.DeepClone();
                            }
                        }
                    }

                    Remember(mapping, obj);
                    return obj;
                }

            default:
                throw Fail("unexpected YAML structure", start);
        }
    }

    private List<JsonObject> MergeSources(JsonNode? value, Mark mark) => value switch
    {
        JsonObject obj => [obj],
        JsonArray array when array.All(i => i is JsonObject) => array.Cast<JsonObject>().ToList(),
        _ => throw Fail("a merge key (<<) must be given a mapping or a sequence of mappings", mark),
    };

    private void Remember(NodeEvent node, JsonNode? value)
    {
        if (!node.Anchor.IsEmpty)
        {
            _anchors[node.Anchor.Value] = value;
        }
    }

    // A tag on a mapping or sequence is refused unless it only restates what the node is (!!map, !!seq).
    private void EnsureCollectionTag(TagName tag, string kind, Mark mark)
    {
        if (!tag.IsEmpty && tag.Value != "!" && tag.Value != CoreTagPrefix + kind)
        {
            throw Fail($"the YAML tag '{tag.Value}' is not supported on a {(kind == "map" ? "mapping" : "sequence")}", mark);
        }
    }

    private void EnsureDepth(int depth, Mark mark)
    {
        if (depth > options.MaxDepth)
        {
            throw Fail($"the document is nested deeper than the maximum depth of {options.MaxDepth}", mark);
        }
    }

    private void Count(int values, Mark mark)
    {
        _nodes += values;
        if (_nodes > options.MaxNodes)
        {
            throw Fail($"the document expands to more than {options.MaxNodes} values (aliases included)", mark);
        }
    }

    private static int CountValues(JsonNode? node) => node switch
    {
        JsonObject obj => 1 + obj.Sum(p => CountValues(p.Value)),
        JsonArray array => 1 + array.Sum(CountValues),
        _ => 1,
    };

    private JsonNode? Resolve(Scalar scalar, Mark mark)
    {
        var text = scalar.Value;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is not null && tag != "!")
        {
            var name = tag.StartsWith(CoreTagPrefix, StringComparison.Ordinal) ? tag[CoreTagPrefix.Length..] : tag.TrimStart('!');
            return name switch
            {
                "str" => JsonValue.Create(text),
                "null" => null,
                "bool" => ParseBool(text) is { } b ? JsonValue.Create(b) : throw Fail($"'{text}' is not a boolean", mark),
                "int" or "float" => ParseNumber(text) ?? throw Fail($"'{text}' is not a number JSON can hold", mark),
                _ => throw Fail($"the YAML tag '{tag}' is not supported", mark),
            };
        }

        if (scalar.Style != ScalarStyle.Plain || tag == "!")
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (ParseBool(text) is { } flag)
        {
            return JsonValue.Create(flag);
        }

        if (SpecialFloat().IsMatch(text))
        {
            throw Fail($"'{text}' (infinity or not-a-number) cannot be represented in JSON", mark);
        }

        return ParseNumber(text) ?? JsonValue.Create(text);
    }

    /// <summary>True when <paramref name="text"/> written as a plain scalar reads back as that same string.</summary>
    public static bool PlainReadsAsString(string text) =>
        text is not ("" or "~" or "null" or "Null" or "NULL") && ParseBool(text) is null && !SpecialFloat().IsMatch(text) && ParseNumber(text) is null;

    // The booleans kubectl's YAML 1.1 reader accepts, in any case.
    private static bool? ParseBool(string text) =>
        IsAny(text, "true", "yes", "on") ? true
        : IsAny(text, "false", "no", "off") ? false
        : null;

    private static bool IsAny(string text, string a, string b, string c) =>
        text.Equals(a, StringComparison.OrdinalIgnoreCase) || text.Equals(b, StringComparison.OrdinalIgnoreCase) || text.Equals(c, StringComparison.OrdinalIgnoreCase);

    private static JsonNode? ParseNumber(string text)
    {
        if (DecimalInteger().IsMatch(text))
        {
            return JsonNode.Parse(BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
        }

        if (text.StartsWith("0o", StringComparison.Ordinal) && text.Length > 2 && text[2..].All(c => c is >= '0' and <= '7'))
        {
            var value = text[2..].Aggregate(BigInteger.Zero, (acc, c) => (acc * 8) + (c - '0'));
            return JsonNode.Parse(value.ToString(CultureInfo.InvariantCulture));
        }

        if (text.StartsWith("0x", StringComparison.Ordinal) && text.Length > 2 && text[2..].All(char.IsAsciiHexDigit))
        {
            var value = BigInteger.Parse("0" + text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            return JsonNode.Parse(value.ToString(CultureInfo.InvariantCulture));
        }

        var match = Float().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var sign = match.Groups["sign"].Value == "-" ? "-" : string.Empty;
        var integral = match.Groups["int"].Value.TrimStart('0');
        var fraction = match.Groups["frac"].Value;
        var exponent = match.Groups["exp"].Value;
        var json = sign + (integral.Length == 0 ? "0" : integral) + (fraction.Length > 0 ? "." + fraction : string.Empty) + exponent;
        return JsonNode.Parse(json);
    }

    private TreeException Fail(string message, Mark mark)
    {
        var pointer = JsonPointerText.Build(_path);
        var where = mark.Line > 0 ? $" (line {mark.Line}, column {mark.Column})" : string.Empty;
        return new TreeException(pointer, char.ToUpperInvariant(message[0]) + message[1..] + where + ".");
    }

    [GeneratedRegex("^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^(?<sign>[-+]?)(?:(?<int>[0-9]*)\.(?<frac>[0-9]+)|(?<int>[0-9]+)\.?)(?<exp>[eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex Float();

    [GeneratedRegex(@"^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$", RegexOptions.CultureInvariant)]
    private static partial Regex SpecialFloat();

    private sealed class TreeException(string path, string message) : Exception(message)
    {
        public string Path { get; } = path;
    }
}
