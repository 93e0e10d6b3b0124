using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Json;

/// <summary>One RFC 6902 operation.</summary>
/// <param name="Op">The operation.</param>
/// <param name="Path">The JSON Pointer the operation targets.</param>
/// <param name="From">The source pointer of <c>move</c> and <c>copy</c>; otherwise <see langword="null"/>.</param>
/// <param name="Value">The value of <c>add</c>, <c>replace</c> and <c>test</c>; <see langword="null"/> is the JSON literal <c>null</c>.</param>
public sealed record JsonPatchOperation(JsonPatchOperationType Op, string Path, string? From = null, JsonNode? Value = null)
{
    /// <summary>An <c>add</c> operation.</summary>
    /// <param name="path">The target pointer.</param>
    /// <param name="value">The value to add.</param>
    /// <returns>The operation.</returns>
    public static JsonPatchOperation Add(string path, JsonNode? value) => new(JsonPatchOperationType.Add, path, null, value);

    /// <summary>A <c>remove</c> operation.</summary>
    /// <param name="path">The target pointer.</param>
    /// <returns>The operation.</returns>
    public static JsonPatchOperation Remove(string path) => new(JsonPatchOperationType.Remove, path);

    /// <summary>A <c>replace</c> operation.</summary>
    /// <param name="path">The target pointer.</param>
    /// <param name="value">The new value.</param>
    /// <returns>The operation.</returns>
    public static JsonPatchOperation Replace(string path, JsonNode? value) => new(JsonPatchOperationType.Replace, path, null, value);

    /// <summary>The operation's name as RFC 6902 spells it (<c>add</c>, <c>remove</c>, …).</summary>
    public string OpName => Op switch
    {
        JsonPatchOperationType.Add => "add",
        JsonPatchOperationType.Remove => "remove",
        JsonPatchOperationType.Replace => "replace",
        JsonPatchOperationType.Move => "move",
        JsonPatchOperationType.Copy => "copy",
        _ => "test",
    };

    /// <summary>The operation as a JSON object (<c>{"op":…,"path":…}</c>).</summary>
    /// <returns>A new JSON object.</returns>
    public JsonObject ToJsonNode()
    {
        var node = new JsonObject { ["op"] = OpName };
        if (From is not null)
        {
            node["from"] = From;
        }

        node["path"] = Path;
        if (Op is JsonPatchOperationType.Add or JsonPatchOperationType.Replace or JsonPatchOperationType.Test)
        {
            node["value"] = Value?.DeepClone();
        }

        return node;
    }

    /// <summary>A one-line description, e.g. <c>replace /spec/parallelism</c>.</summary>
    /// <returns>The operation name and its pointers.</returns>
    public override string ToString() => From is null ? $"{OpName} {Path}" : $"{OpName} {From} -> {Path}";
}
