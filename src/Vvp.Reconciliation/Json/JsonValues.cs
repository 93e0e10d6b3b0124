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
        // The common mixed case first, with one look into the parsed side: a YAML-read string (a CLR string) against a
        // parsed one, compared in place.
        var aIsClrString = HoldsClrString(a);
        var bIsClrString = HoldsClrString(b);
        if (aIsClrString && bIsClrString)
        {
            return string.Equals(a.ToString(), b.ToString(), StringComparison.Ordinal);
        }

        if (bIsClrString && a.TryGetValue<JsonElement>(out var parsedA))
        {
            return parsedA.ValueKind == JsonValueKind.String && StringEquals(parsedA, b.ToString());
        }

        if (aIsClrString && b.TryGetValue<JsonElement>(out var parsedB))
        {
            return parsedB.ValueKind == JsonValueKind.String && StringEquals(parsedB, a.ToString());
        }

        var aIsElement = a.TryGetValue<JsonElement>(out var ea);
        var bIsElement = b.TryGetValue<JsonElement>(out var eb);
        if (aIsElement && bIsElement)
        {
            return ElementScalarEquals(ea, eb);
        }

        var kind = a.GetValueKind();
        if (kind != b.GetValueKind())
        {
            return false;
        }

        switch (kind)
        {
            case JsonValueKind.String:
                // Another CLR-backed string against a parsed one (an element): compared in place, no copy.
                if (aIsElement && b.TryGetValue<string>(out var textB))
                {
                    return StringEquals(ea, textB);
                }

                if (bIsElement && a.TryGetValue<string>(out var textA))
                {
                    return StringEquals(eb, textA);
                }

                return string.Equals(GetString(a), GetString(b), StringComparison.Ordinal);
            case JsonValueKind.Number:
                return TryGetInt64(a, aIsElement, ea, out var la) && TryGetInt64(b, bIsElement, eb, out var lb)
                    ? la == lb
                    : JsonNumberText.AreEqual(GetNumberText(a), GetNumberText(b));
            default:
                return true;
        }
    }

    /// <summary>Whether a node is a value holding a CLR string (<c>JsonValue.Create(string)</c>): its <c>ToString()</c> is the string itself.</summary>
    public static bool HoldsClrString(JsonNode node) => node.GetType() == ClrString;

    private static readonly Type ClrString = JsonValue.Create(string.Empty)!.GetType();

    // A parsed string against a CLR one. Text of ASCII characters without escapes (nearly every value of a deployment)
    // is compared byte against char without transcoding; anything else as the runtime compares it.
    private static bool StringEquals(JsonElement element, string text)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        raw = raw.Length >= 2 ? raw[1..^1] : raw;

        // Equal ASCII without a backslash is the common case, decided in two passes; Ascii.Equals is false whenever
        // either side holds anything but ASCII.
        if (raw.Length == text.Length && System.Text.Ascii.Equals(raw, text))
        {
            return raw.IndexOf((byte)'\\') < 0 || element.ValueEquals(text);
        }

        return (raw.IndexOf((byte)'\\') >= 0 || !System.Text.Ascii.IsValid(raw)) && element.ValueEquals(text);
    }

    // An integer number read without a copy, whatever backs it.
    private static bool TryGetInt64(JsonValue value, bool isElement, JsonElement element, out long number)
    {
        if (isElement)
        {
            return element.TryGetInt64(out number);
        }

        if (value.TryGetValue(out number))
        {
            return true;
        }

        if (value.TryGetValue<int>(out var small))
        {
            number = small;
            return true;
        }

        number = 0;
        return false;
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
