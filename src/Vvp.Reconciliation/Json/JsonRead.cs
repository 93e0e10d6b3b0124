using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Json;

/// <summary>
/// Tolerant readers for values of a JSON tree such as a platform's answer or a CR's status: a value of the wrong type,
/// or a path through something that is not an object, reads as absent instead of throwing.
/// </summary>
/// <example>
/// <code>
/// var state = JsonRead.String(status, "customResourceStatus", "customResourceState");   // "SYNCING", or null
/// </code>
/// </example>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "Each reader is named after the kind of value it reads, as JsonValueKind names them.")]
public static class JsonRead
{
    /// <summary>The node at <paramref name="path"/> (object keys), or <see langword="null"/>.</summary>
    /// <param name="node">The tree.</param>
    /// <param name="path">Object keys, outermost first.</param>
    /// <returns>The node, or <see langword="null"/> when absent, JSON <c>null</c>, or reached through a non-object.</returns>
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

    /// <summary>The object at <paramref name="path"/>, or <see langword="null"/> when absent or not an object.</summary>
    /// <param name="node">The tree.</param>
    /// <param name="path">Object keys, outermost first.</param>
    /// <returns>The object or <see langword="null"/>.</returns>
    public static JsonObject? Object(JsonNode? node, params ReadOnlySpan<string> path) => At(node, path) as JsonObject;

    /// <summary>The string at <paramref name="path"/>, or <see langword="null"/> when absent or not a string.</summary>
    /// <param name="node">The tree.</param>
    /// <param name="path">Object keys, outermost first.</param>
    /// <returns>The string or <see langword="null"/>.</returns>
    public static string? String(JsonNode? node, params ReadOnlySpan<string> path) =>
        At(node, path) is JsonValue value && value.GetValueKind() == JsonValueKind.String ? JsonValues.GetString(value) : null;

    /// <summary>The whole number at <paramref name="path"/> (a number, or a string holding one), or <see langword="null"/>.</summary>
    /// <param name="node">The tree.</param>
    /// <param name="path">Object keys, outermost first.</param>
    /// <returns>The number or <see langword="null"/>.</returns>
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

    /// <summary>A scalar at <paramref name="path"/> as text (a string's value, any other value's JSON), or <see langword="null"/> for an object, an array or nothing.</summary>
    /// <param name="node">The tree.</param>
    /// <param name="path">Object keys, outermost first.</param>
    /// <returns>The text or <see langword="null"/>.</returns>
    public static string? Text(JsonNode? node, params ReadOnlySpan<string> path) => At(node, path) switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.String => JsonValues.GetString(value),
        JsonValue value => value.ToJsonString(),
        _ => null,
    };

    // The same readers for callers on C# 12 (a net8.0 project's default), which pass a params array, not a span.

    /// <inheritdoc cref="At(JsonNode?, ReadOnlySpan{string})"/>
    public static JsonNode? At(JsonNode? node, params string[] path) => At(node, path.AsSpan());

    /// <inheritdoc cref="Object(JsonNode?, ReadOnlySpan{string})"/>
    public static JsonObject? Object(JsonNode? node, params string[] path) => Object(node, path.AsSpan());

    /// <inheritdoc cref="String(JsonNode?, ReadOnlySpan{string})"/>
    public static string? String(JsonNode? node, params string[] path) => String(node, path.AsSpan());

    /// <inheritdoc cref="Int64(JsonNode?, ReadOnlySpan{string})"/>
    public static long? Int64(JsonNode? node, params string[] path) => Int64(node, path.AsSpan());

    /// <inheritdoc cref="Text(JsonNode?, ReadOnlySpan{string})"/>
    public static string? Text(JsonNode? node, params string[] path) => Text(node, path.AsSpan());
}
