using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation;

/// <summary>Tolerant readers for values of a JSON tree: a value of the wrong type reads as absent.</summary>
internal static class JsonRead
{
    public static JsonNode? At(JsonNode? node, params ReadOnlySpan<string> path)
    {
        foreach (var key in path)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(key, out node))
            {
                return null;
            }
        }

        return node;
    }

    public static JsonObject? Object(JsonNode? node, params ReadOnlySpan<string> path) => At(node, path) as JsonObject;

    public static string? String(JsonNode? node, params ReadOnlySpan<string> path) =>
        At(node, path) is JsonValue value && value.GetValueKind() == JsonValueKind.String ? JsonValues.GetString(value) : null;

    public static long? Int64(JsonNode? node, params ReadOnlySpan<string> path)
    {
        if (At(node, path) is not JsonValue value)
        {
            return null;
        }

        if (value.TryGetValue<long>(out var direct))
        {
            return direct;
        }

        return value.GetValueKind() switch
        {
            JsonValueKind.Number when long.TryParse(JsonValues.GetNumberText(value), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
            JsonValueKind.String when long.TryParse(JsonValues.GetString(value), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var s) => s,
            _ => null,
        };
    }

    /// <summary>A scalar as text: strings as they are, numbers and booleans as JSON writes them.</summary>
    public static string? Text(JsonNode? node, params ReadOnlySpan<string> path) => At(node, path) switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.String => JsonValues.GetString(value),
        JsonValue value => value.ToJsonString(),
        _ => null,
    };
}
