using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Json;

/// <summary>
/// A canonical serialisation in the style of RFC 8785: object members sorted by ordinal key, no
/// insignificant white space, one form per number (see <c>1</c> = <c>1.0</c> = <c>1e0</c>), and the
/// SHA-256 over it. Two documents have the same hash exactly when <see cref="JsonEquality"/> says they are equal.
/// </summary>
internal static class JsonCanonical
{
    /// <summary>Writes <paramref name="node"/> in canonical form.</summary>
    /// <param name="node">The document.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>The canonical JSON text.</returns>
    /// <exception cref="JsonDepthLimitExceededException">The document is nested too deeply.</exception>
    public static string Serialize(JsonNode? node, int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        JsonLimits.ValidateMaxDepth(maxDepth);
        using var buffer = new PooledBufferWriter(256);
        Write(buffer, writer => WriteCore(writer, node, 1, maxDepth), maxDepth);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Hashes the canonical form of <paramref name="node"/> with SHA-256.</summary>
    /// <param name="node">The document.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>The hash as 64 lower-case hexadecimal digits.</returns>
    /// <exception cref="JsonDepthLimitExceededException">The document is nested too deeply.</exception>
    public static string Hash(JsonNode? node, int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        JsonLimits.ValidateMaxDepth(maxDepth);
        return Hash(writer => WriteCore(writer, node, 1, maxDepth), maxDepth);
    }

    /// <summary>Hashes what <paramref name="write"/> writes, for callers that compose a canonical document from parts.</summary>
    internal static string Hash(Action<Utf8JsonWriter> write, int maxDepth)
    {
        using var buffer = new PooledBufferWriter(4096);
        Write(buffer, write, maxDepth);
        Span<byte> hash = stackalloc byte[Sha256.HashSizeInBytes];
        Sha256.HashData(buffer.WrittenSpan, hash);
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

    private static void Write(IBufferWriter<byte> buffer, Action<Utf8JsonWriter> write, int maxDepth)
    {
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            SkipValidation = true,
            MaxDepth = maxDepth + 8,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        write(writer);
        writer.Flush();
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
                    var count = obj.Count;
                    var members = ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Rent(count);
                    try
                    {
                        for (var i = 0; i < count; i++)
                        {
                            members[i] = obj.GetAt(i);
                        }

                        members.AsSpan(0, count).Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));
                        writer.WriteStartObject();
                        for (var i = 0; i < count; i++)
                        {
                            writer.WritePropertyName(members[i].Key);
                            WriteCore(writer, members[i].Value, depth + 1, maxDepth);
                        }

                        writer.WriteEndObject();
                    }
                    finally
                    {
                        members.AsSpan(0, count).Clear();
                        ArrayPool<KeyValuePair<string, JsonNode?>>.Shared.Return(members);
                    }

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
        // Parsed values whose raw text is already canonical are copied as they are, without decoding.
        if (value.TryGetValue<JsonElement>(out var element) && IsCanonicalRaw(element, out var raw))
        {
            writer.WriteRawValue(raw, skipInputValidation: true);
            return;
        }

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

    // A string is canonical as written when it is printable ASCII without escapes (the relaxed encoder then
    // writes the same bytes); an integer when it has at most 21 digits and no sign but '-' (see JsonNumberText).
    private static bool IsCanonicalRaw(JsonElement element, out ReadOnlySpan<byte> raw)
    {
        raw = JsonMarshal.GetRawUtf8Value(element);
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                foreach (var b in raw[1..^1])
                {
                    if (b is < 0x20 or >= 0x7F or (byte)'\\' or (byte)'"')
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Number:
                var digits = raw[0] == (byte)'-' ? raw[1..] : raw;
                if (digits.Length is 0 or > 21 || (digits[0] == (byte)'0' && (digits.Length > 1 || raw[0] == (byte)'-')))
                {
                    return false;
                }

                foreach (var b in digits)
                {
                    if (b is < (byte)'0' or > (byte)'9')
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }
}
