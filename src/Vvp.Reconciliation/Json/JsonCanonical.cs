using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Json;

/// <summary>
/// A canonical serialisation in the style of RFC 8785: object members sorted by ordinal key, no
/// insignificant white space, one form per number (see <c>1</c> = <c>1.0</c> = <c>1e0</c>), and the
/// SHA-256 over it. Two documents have the same hash exactly when <see cref="JsonEquality"/> says they are equal.
/// </summary>
public static class JsonCanonical
{
    /// <summary>Writes <paramref name="node"/> in canonical form.</summary>
    /// <param name="node">The document.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>The canonical JSON text.</returns>
    /// <exception cref="JsonDepthLimitExceededException">The document is nested too deeply.</exception>
    public static string Serialize(JsonNode? node, int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        var buffer = Write(node, maxDepth);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Hashes the canonical form of <paramref name="node"/> with SHA-256.</summary>
    /// <param name="node">The document.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>The hash as 64 lower-case hexadecimal digits.</returns>
    /// <exception cref="JsonDepthLimitExceededException">The document is nested too deeply.</exception>
    public static string Hash(JsonNode? node, int maxDepth = JsonLimits.DefaultMaxDepth) => HashOf(Write(node, maxDepth));

    /// <summary>Hashes what <paramref name="write"/> writes, for callers that compose a canonical document from parts.</summary>
    internal static string Hash(Action<Utf8JsonWriter> write, int maxDepth)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = maxDepth + 1 }))
        {
            write(writer);
        }

        return HashOf(buffer);
    }

    private static string HashOf(ArrayBufferWriter<byte> buffer)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer.WrittenSpan, hash);
#if NET9_0_OR_GREATER
        return Convert.ToHexStringLower(hash);
#else
        return string.Create(hash.Length * 2, hash.ToArray(), static (chars, bytes) =>
        {
            const string Digits = "0123456789abcdef";
            for (var i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = Digits[bytes[i] >> 4];
                chars[(2 * i) + 1] = Digits[bytes[i] & 0xF];
            }
        });
#endif
    }

    private static ArrayBufferWriter<byte> Write(JsonNode? node, int maxDepth)
    {
        JsonLimits.ValidateMaxDepth(maxDepth);
        var buffer = new ArrayBufferWriter<byte>(256);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true, MaxDepth = maxDepth + 1 });
        WriteCore(writer, node, 1, maxDepth);
        writer.Flush();
        return buffer;
    }

    /// <summary>Writes <paramref name="node"/> in canonical form at the given depth.</summary>
    internal static void WriteCore(Utf8JsonWriter writer, JsonNode? node, int depth, int maxDepth)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                {
                    JsonLimits.EnsureDepth(depth, maxDepth);
                    var members = new KeyValuePair<string, JsonNode?>[obj.Count];
                    var i = 0;
                    foreach (var member in obj)
                    {
                        members[i++] = member;
                    }

                    Array.Sort(members, static (x, y) => string.CompareOrdinal(x.Key, y.Key));
                    writer.WriteStartObject();
                    foreach (var (key, value) in members)
                    {
                        writer.WritePropertyName(key);
                        WriteCore(writer, value, depth + 1, maxDepth);
                    }

                    writer.WriteEndObject();
                    break;
                }

            case JsonArray array:
                JsonLimits.EnsureDepth(depth, maxDepth);
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    WriteCore(writer, item, depth + 1, maxDepth);
                }

                writer.WriteEndArray();
                break;
            default:
                WriteScalar(writer, (JsonValue)node);
                break;
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                writer.WriteStringValue(JsonValues.GetString(value));
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(JsonNumberText.Canonicalize(JsonValues.GetNumberText(value)), skipInputValidation: true);
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
