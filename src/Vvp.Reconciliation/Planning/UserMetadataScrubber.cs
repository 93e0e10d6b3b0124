using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Planning;

/// <summary>
/// Erases what a CR may not say in <c>userMetadata</c>: keys other than name, namespace, displayName,
/// labels and annotations, and system annotations. Each erased path is reported.
/// </summary>
internal static class UserMetadataScrubber
{
    /// <summary>Adds each path that scrubbing would erase to <paramref name="erased"/>, without copying anything.</summary>
    public static void FindErased(JsonObject? userMetadata, string pointer, PlannerOptions options, List<string> erased)
    {
        if (userMetadata is null)
        {
            return;
        }

        foreach (var (key, value) in userMetadata)
        {
            if (!UserParts.UserMetadataKeys.Contains(key))
            {
                erased.Add($"{pointer}/{JsonPointerText.Escape(key)}");
            }
            else if (key == "annotations" && value is JsonObject annotations)
            {
                foreach (var (annotation, _) in annotations)
                {
                    if (options.IsSystemAnnotation(annotation))
                    {
                        erased.Add($"{pointer}/annotations/{JsonPointerText.Escape(annotation)}");
                    }
                }
            }
        }
    }

    /// <summary>Returns a scrubbed copy of <paramref name="userMetadata"/>.</summary>
    public static JsonObject Scrub(JsonObject? userMetadata, PlannerOptions options)
    {
        var result = new JsonObject();
        if (userMetadata is null)
        {
            return result;
        }

        foreach (var (key, value) in userMetadata)
        {
            if (!UserParts.UserMetadataKeys.Contains(key))
            {
                continue;
            }

            result[key] = key == "annotations" && value is JsonObject annotations
                ? new JsonObject(annotations
                    .Where(a => !options.IsSystemAnnotation(a.Key))
                    .Select(a => KeyValuePair.Create(a.Key, a.Value?.DeepClone())))
                : value?.DeepClone();
        }

        return result;
    }
}
