using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// A JSON object held as compact UTF-8 bytes instead of a tree (the informers' caches, a resync's platform LIST), and
/// read back as a tree of the reader's own.
/// </summary>
internal static class CompactJson
{
    // Deep enough for any tree read here (the API's objects are cut at JsonAnswer.ObjectDepth + 1, the platform's at 64).
    private const int MaxDepth = 1024;

    // Bytes read back only here: escaping for HTML would only make them longer.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = MaxDepth };
    private static readonly JsonDocumentOptions ReaderOptions = new() { MaxDepth = MaxDepth };

    /// <summary>The object's JSON; <paramref name="buffer"/>, when given, is reused for the writing.</summary>
    public static byte[] ToUtf8(JsonObject obj, ArrayBufferWriter<byte>? buffer = null)
    {
        buffer ??= new ArrayBufferWriter<byte>(2048);
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            obj.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A new tree of the bytes <see cref="ToUtf8"/> wrote.</summary>
    public static JsonObject Read(byte[] utf8) => Read(utf8.AsSpan());

    /// <summary>A new tree of a JSON object's bytes (one <see cref="ToUtf8"/> wrote, or a deployment an adapter handed out as bytes).</summary>
    /// <exception cref="JsonException">The bytes are not JSON, or not a JSON object.</exception>
    public static JsonObject Read(ReadOnlySpan<byte> utf8) =>
        JsonNode.Parse(utf8, documentOptions: ReaderOptions) as JsonObject ?? throw new JsonException("The JSON is not an object.");
}
