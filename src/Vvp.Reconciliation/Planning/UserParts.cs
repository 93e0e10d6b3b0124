using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

/// <summary>
/// The user part of a deployment: <c>metadata</c> restricted to the user keys (system annotations left
/// out) plus <c>spec</c>, normalised so that an empty <c>labels</c> or <c>annotations</c> equals an absent one.
/// </summary>
internal static class UserParts
{
    public static readonly string[] UserMetadataKeys = ["name", "namespace", "displayName", "labels", "annotations"];

    /// <summary>The user part of a live deployment.</summary>
    public static JsonObject FromDeployment(JsonObject deployment, PlannerOptions options) =>
        Normalize(new JsonObject
        {
            ["metadata"] = UserMetadata(JsonRead.Object(deployment, "metadata"), options),
            ["spec"] = JsonRead.Object(deployment, "spec")?.DeepClone() ?? new JsonObject(),
        });

    /// <summary>The user part a CR states: its scrubbed userMetadata (with the target's name and namespace) and spec; nulls kept.</summary>
    public static JsonObject FromResource(JsonObject userMetadata, JsonObject? spec, DeploymentTarget target)
    {
        var metadata = (JsonObject)userMetadata.DeepClone();
        metadata["name"] = target.Name;
        metadata["namespace"] = target.Namespace;
        return new JsonObject { ["metadata"] = metadata, ["spec"] = spec?.DeepClone() ?? new JsonObject() };
    }

    public static JsonObject UserMetadata(JsonObject? metadata, PlannerOptions options)
    {
        var result = new JsonObject();
        if (metadata is null)
        {
            return result;
        }

        foreach (var key in UserMetadataKeys)
        {
            if (!metadata.TryGetPropertyValue(key, out var value))
            {
                continue;
            }

            if (key == "annotations" && value is JsonObject annotations)
            {
                result[key] = new JsonObject(annotations
                    .Where(a => !options.IsSystemAnnotation(a.Key))
                    .Select(a => KeyValuePair.Create(a.Key, a.Value?.DeepClone())));
            }
            else
            {
                result[key] = value?.DeepClone();
            }
        }

        return result;
    }

    /// <summary>Drops empty <c>labels</c>/<c>annotations</c>; the tree is changed in place and returned.</summary>
    public static JsonObject Normalize(JsonObject userPart)
    {
        if (userPart["metadata"] is JsonObject metadata)
        {
            foreach (var key in new[] { "labels", "annotations" })
            {
                if (metadata.TryGetPropertyValue(key, out var value) && value is JsonObject { Count: 0 })
                {
                    metadata.Remove(key);
                }
            }
        }

        return userPart;
    }

    /// <summary>A copy whose metadata always holds an <c>annotations</c> object (empty when there is none).</summary>
    public static JsonObject WithAnnotations(JsonObject userPart)
    {
        var copy = (JsonObject)userPart.DeepClone();
        if (copy["metadata"] is JsonObject metadata && metadata["annotations"] is not JsonObject)
        {
            metadata["annotations"] = new JsonObject();
        }

        return copy;
    }

    /// <summary>A copy without <c>null</c> object members, recursively (what PUT mode makes of nulls, and what a create sends).</summary>
    public static JsonNode? WithoutNulls(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, WithoutNulls(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(i => i?.DeepClone())]),
        _ => node?.DeepClone(),
    };

    public static string Hash(JsonObject userPart, PlannerOptions options) => JsonCanonical.Hash(userPart, options.MaxDepth + 2);

    private static readonly string[] SortedUserMetadataKeys = [.. UserMetadataKeys.Order(StringComparer.Ordinal)];

    /// <summary>
    /// The hash of a live deployment's user part, written straight from the deployment: the same value as
    /// <c>Hash(FromDeployment(live))</c> without building the user part.
    /// </summary>
    public static string HashOfDeployment(JsonObject live, PlannerOptions options)
    {
        var maxDepth = options.MaxDepth + 2;
        return JsonCanonical.Hash(
            writer =>
            {
                writer.WriteStartObject();
                writer.WritePropertyName("metadata");
                writer.WriteStartObject();
                var metadata = live["metadata"] as JsonObject;
                foreach (var key in SortedUserMetadataKeys)
                {
                    if (metadata is null || !metadata.TryGetPropertyValue(key, out var value))
                    {
                        continue;
                    }

                    if (key == "annotations" && value is JsonObject annotations)
                    {
                        WriteUserAnnotations(writer, annotations, options, maxDepth);
                        continue;
                    }

                    if (key == "labels" && value is JsonObject { Count: 0 })
                    {
                        continue;
                    }

                    writer.WritePropertyName(key);
                    JsonCanonical.WriteCore(writer, value, 3, maxDepth);
                }

                writer.WriteEndObject();
                writer.WritePropertyName("spec");
                JsonCanonical.WriteCore(writer, live["spec"] as JsonObject ?? [], 2, maxDepth);
                writer.WriteEndObject();
            },
            maxDepth);
    }

    private static void WriteUserAnnotations(System.Text.Json.Utf8JsonWriter writer, JsonObject annotations, PlannerOptions options, int maxDepth)
    {
        var user = annotations.Where(a => !options.IsSystemAnnotation(a.Key)).OrderBy(a => a.Key, StringComparer.Ordinal).ToList();
        if (user.Count == 0)
        {
            return;
        }

        writer.WritePropertyName("annotations");
        writer.WriteStartObject();
        foreach (var (key, value) in user)
        {
            writer.WritePropertyName(key);
            JsonCanonical.WriteCore(writer, value, 4, maxDepth);
        }

        writer.WriteEndObject();
    }
}
