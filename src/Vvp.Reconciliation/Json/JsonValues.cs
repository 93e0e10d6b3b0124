using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Json;

/// <summary>Reads scalar <see cref="JsonValue"/>s whatever backs them (a parsed element or a CLR value).</summary>
internal static class JsonValues
{
    public static string GetNumberText(JsonValue value) =>
        value.TryGetValue<JsonElement>(out var element) ? element.GetRawText() : value.ToJsonString();

    public static string GetString(JsonValue value)
    {
        if (value.TryGetValue<string>(out var text))
        {
            return text;
        }

        if (value.TryGetValue<JsonElement>(out var element))
        {
            return element.GetString() ?? string.Empty;
        }

        return JsonSerializer.Deserialize(value.ToJsonString(), JsonEngineSerializerContext.Default.String) ?? string.Empty;
    }

    /// <summary>A scalar as text: a string as it is, anything else as JSON writes it.</summary>
    public static string ScalarText(JsonValue value) =>
        value.GetValueKind() == JsonValueKind.String ? GetString(value) : GetNumberText(value);

    public static bool ScalarEquals(JsonValue a, JsonValue b)
    {
        if (a.TryGetValue<JsonElement>(out var ea) && b.TryGetValue<JsonElement>(out var eb))
        {
            return ElementScalarEquals(ea, eb);
        }

        var kind = a.GetValueKind();
        if (kind != b.GetValueKind())
        {
            return false;
        }

        return kind switch
        {
            JsonValueKind.String => string.Equals(GetString(a), GetString(b), StringComparison.Ordinal),
            JsonValueKind.Number => JsonNumberText.AreEqual(GetNumberText(a), GetNumberText(b)),
            _ => true,
        };
    }

    private static bool ElementScalarEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }

        switch (a.ValueKind)
        {
            case JsonValueKind.Number:
                {
                    // Identical text is the common case; only differing texts need a value comparison.
                    if (JsonMarshal.GetRawUtf8Value(a).SequenceEqual(JsonMarshal.GetRawUtf8Value(b)))
                    {
                        return true;
                    }

                    if (a.TryGetInt64(out var la) && b.TryGetInt64(out var lb))
                    {
                        return la == lb;
                    }

                    return JsonNumberText.AreEqual(a.GetRawText(), b.GetRawText());
                }

            case JsonValueKind.String:
                {
                    var rawA = JsonMarshal.GetRawUtf8Value(a);
                    var rawB = JsonMarshal.GetRawUtf8Value(b);
                    if (rawA.SequenceEqual(rawB))
                    {
                        return true;
                    }

                    // Different raw bytes can still be equal strings when escapes are involved.
                    return (rawA.Contains((byte)'\\') || rawB.Contains((byte)'\\')) && JsonElement.DeepEquals(a, b);
                }

            default:
                return true;
        }
    }
}
