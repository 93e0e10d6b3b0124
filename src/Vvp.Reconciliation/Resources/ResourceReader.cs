using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;

namespace Vvp.Reconciliation.Resources;

/// <summary>
/// Reads YAML or JSON text into <see cref="JsonNode"/> trees. The format is decided by content, not by
/// file name: text whose first significant character is <c>{</c> or <c>[</c> is read as JSON first, and when it is
/// not strict JSON, as a YAML flow-style document (JSON is YAML); anything else is YAML. Scalars are read the way
/// <c>kubectl apply</c> reads them: <c>99</c> is a number, <c>"99"</c> a string, <c>true</c>, <c>yes</c>, <c>on</c>
/// (any case) booleans, <c>~</c> and <c>null</c> null. A trailing empty document (a file ending in <c>---</c>) is
/// ignored. Every failure is an error value with a location, never an exception.
/// </summary>
public static class ResourceReader
{
    /// <summary>Reads exactly one document from text.</summary>
    /// <param name="text">YAML or JSON.</param>
    /// <param name="options">Limits; <see cref="ResourceReaderOptions.Default"/> when omitted.</param>
    /// <returns>The document or the errors.</returns>
    public static ResourceReadResult Read(string text, ResourceReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var all = ReadAll(text, options);
        return all.Count switch
        {
            0 => ResourceReadResult.Failure(new ResourceMessage(string.Empty, "The document is empty.")),
            1 => all[0],
            _ when all.FirstOrDefault(r => !r.IsSuccess) is { } failed => failed,
            _ => ResourceReadResult.Failure(new ResourceMessage(string.Empty, $"Expected one document but found {all.Count}.")),
        };
    }

    /// <summary>Reads exactly one document from UTF-8 bytes, refusing bytes that are not UTF-8.</summary>
    /// <param name="utf8">The bytes; a byte order mark is allowed.</param>
    /// <param name="options">Limits; <see cref="ResourceReaderOptions.Default"/> when omitted.</param>
    /// <returns>The document or the errors.</returns>
    public static ResourceReadResult Read(ReadOnlySpan<byte> utf8, ResourceReaderOptions? options = null)
    {
        var decoded = Decode(utf8, options ?? ResourceReaderOptions.Default, out var error);
        return decoded is null ? ResourceReadResult.Failure(error!) : Read(decoded, options);
    }

    /// <summary>Reads every document of a YAML stream (documents separated by <c>---</c>), or the one JSON document.</summary>
    /// <param name="text">YAML or JSON.</param>
    /// <param name="options">Limits; <see cref="ResourceReaderOptions.Default"/> when omitted.</param>
    /// <returns>One result per document; a single failure when the stream itself cannot be read.</returns>
    public static IReadOnlyList<ResourceReadResult> ReadAll(string text, ResourceReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= ResourceReaderOptions.Default;
        if (Encoding.UTF8.GetByteCount(text) > options.MaxBytes)
        {
            return [ResourceReadResult.Failure(new ResourceMessage(string.Empty, $"The document is larger than the limit of {options.MaxBytes} bytes."))];
        }

        text = text.TrimStart('\uFEFF');
        if (ControlCharacter(text) is { } control)
        {
            return [ResourceReadResult.Failure(control)];
        }

        var first = text.AsSpan().TrimStart();
        if (first.Length > 0 && (first[0] == '{' || first[0] == '['))
        {
            var json = ReadJson(text, options);
            if (json.IsSuccess)
            {
                return [json];
            }

            // JSON is YAML: a flow-style document that is not strict JSON ({name: x}, a trailing comment) is
            // still a document; when YAML cannot read it either, the JSON error is the clearer one.
            var yaml = ReadYaml(text, options);
            return yaml.Count > 0 && yaml.All(r => r.IsSuccess) ? yaml : [json];
        }

        return ReadYaml(text, options);
    }

    /// <summary>Reads every document from UTF-8 bytes, refusing bytes that are not UTF-8.</summary>
    /// <param name="utf8">The bytes.</param>
    /// <param name="options">Limits; <see cref="ResourceReaderOptions.Default"/> when omitted.</param>
    /// <returns>One result per document.</returns>
    public static IReadOnlyList<ResourceReadResult> ReadAll(ReadOnlySpan<byte> utf8, ResourceReaderOptions? options = null)
    {
        var decoded = Decode(utf8, options ?? ResourceReaderOptions.Default, out var error);
        return decoded is null ? [ResourceReadResult.Failure(error!)] : ReadAll(decoded, options);
    }

    private static string? Decode(ReadOnlySpan<byte> utf8, ResourceReaderOptions options, out ResourceMessage? error)
    {
        error = null;
        if (utf8.Length > options.MaxBytes)
        {
            error = new ResourceMessage(string.Empty, $"The document is larger than the limit of {options.MaxBytes} bytes.");
            return null;
        }

        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(utf8);
        }
        catch (DecoderFallbackException ex)
        {
            error = new ResourceMessage(string.Empty, $"The document is not valid UTF-8 (invalid bytes at offset {ex.Index}).");
            return null;
        }
    }

    // YAML's printable set and JSON's grammar both exclude the C0 controls but tab, LF and CR, and DEL: a NUL at
    // the end of a file is as wrong as one in the middle.
    private static readonly System.Buffers.SearchValues<char> ControlCharacters = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Where(c => c is not ('\t' or '\n' or '\r')).Select(c => (char)c), '\u007F']);

    private static ResourceMessage? ControlCharacter(string text)
    {
        var span = text.AsSpan();
        var at = span.IndexOfAny(ControlCharacters);
        if (at < 0)
        {
            return null;
        }

        var line = span[..at].Count('\n') + 1;
        var column = at - span[..at].LastIndexOf('\n');
        return new ResourceMessage(string.Empty, $"The document holds the control character U+{(int)span[at]:X4} at line {line}, column {column}; YAML and JSON allow none there.");
    }

    private static ResourceReadResult ReadJson(string text, ResourceReaderOptions options)
    {
        try
        {
            var node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions
            {
                MaxDepth = options.MaxDepth,
                AllowDuplicateProperties = false,
            });
            var count = CountNodes(node, options.MaxNodes);

            return count > options.MaxNodes
                ? ResourceReadResult.Failure(new ResourceMessage(string.Empty, $"The document has more than {options.MaxNodes} values."))
                : ResourceReadResult.Success(node);
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json parses an escaped lone surrogate ("\ud800") and refuses it only when it is read.
            return ResourceReadResult.Failure(new ResourceMessage(string.Empty, "The JSON cannot be read: it holds an escaped UTF-16 surrogate without its pair (such as \\ud800 alone), which is no character."));
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {ex.BytePositionInLine + 1}" : string.Empty;
            var reason = ex.Message.Contains("depth", StringComparison.OrdinalIgnoreCase)
                ? $"the document is nested deeper than the maximum depth of {options.MaxDepth}"
                : FirstSentence(ex.Message);
            return ResourceReadResult.Failure(new ResourceMessage(string.Empty, $"The JSON cannot be read{where}: {reason}."));
        }
    }

    private static int CountNodes(JsonNode? node, int limit)
    {
        var count = 0;
        var stack = new Stack<JsonNode?>();
        stack.Push(node);
        while (stack.Count > 0 && count <= limit)
        {
            var current = stack.Pop();
            count++;
            switch (current)
            {
                case JsonObject obj:
                    foreach (var (_, value) in obj)
                    {
                        stack.Push(value);
                    }

                    break;
                case JsonArray array:
                    foreach (var item in array)
                    {
                        stack.Push(item);
                    }

                    break;
                case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                    // Reading the string is what finds an escaped lone surrogate.
                    _ = value.GetValue<string>();
                    break;
            }
        }

        return count;
    }

    private static List<ResourceReadResult> ReadYaml(string text, ResourceReaderOptions options)
    {
        var results = new List<ResourceReadResult>();
        try
        {
            var parser = new Parser(new StringReader(text));
            var builder = new YamlTreeBuilder(parser, options);
            var trailingEmpty = 0;
            while (builder.TryReadDocument(out var document, out var error))
            {
                results.Add(error is null ? ResourceReadResult.Success(document) : ResourceReadResult.Failure(error));
                if (error is not null)
                {
                    trailingEmpty = 0;
                    break;
                }

                trailingEmpty = builder.LastDocumentWasEmpty ? trailingEmpty + 1 : 0;
            }

            // A file ending in "---" has an empty last document, which kubectl ignores; so does this reader.
            results.RemoveRange(results.Count - trailingEmpty, trailingEmpty);
        }
        catch (YamlException ex)
        {
            results.Add(ResourceReadResult.Failure(new ResourceMessage(
                string.Empty,
                $"The YAML cannot be read at line {ex.Start.Line}, column {ex.Start.Column}: {FirstSentence(ex.Message)}.")));
        }
        catch (InvalidOperationException)
        {
            // The parser can stop in a state it reports this way, e.g. an unclosed flow collection at the end.
            results.Add(ResourceReadResult.Failure(new ResourceMessage(string.Empty, "The YAML cannot be read: it ends in the middle of a structure (an unclosed [ or { perhaps).")));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or OverflowException)
        {
            // The parser refuses some malformed tokens (a tag that is not a URI, say) with these.
            results.Add(ResourceReadResult.Failure(new ResourceMessage(string.Empty, $"The YAML cannot be read: {FirstSentence(ex.Message)}.")));
        }

        return results;
    }

    private static string FirstSentence(string message)
    {
        var text = message.Trim();
        var cut = text.IndexOf(". ", StringComparison.Ordinal);
        text = cut > 0 ? text[..cut] : text;
        var paren = text.IndexOf("(Line:", StringComparison.Ordinal);
        text = paren > 0 ? text[..paren] : text;
        return text.Trim().TrimEnd('.');
    }
}
