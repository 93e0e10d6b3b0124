using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Planning;

/// <summary>
/// Erases what a CR may not say in <c>userMetadata</c>: keys other than name, namespace, displayName,
/// labels and annotations, and system annotations. Each erased path is reported.
/// </summary>
internal static class UserMetadataScrubber
{
    /// <summary>Returns a scrubbed copy of <paramref name="userMetadata"/> and adds each erased path to <paramref name="erased"/>.</summary>
    public static JsonObject Scrub(JsonObject? userMetadata, string pointer, PlannerOptions options, List<string> erased)
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
                erased.Add($"{pointer}/{JsonPointerText.Escape(key)}");
                continue;
            }

            if (key == "annotations" && value is JsonObject annotations)
            {
                var kept = new JsonObject();
                foreach (var (annotation, annotationValue) in annotations)
                {
                    if (options.IsSystemAnnotation(annotation))
                    {
                        erased.Add($"{pointer}/annotations/{JsonPointerText.Escape(annotation)}");
                    }
                    else
                    {
                        kept[annotation] = annotationValue?.DeepClone();
                    }
                }

                result[key] = kept;
            }
            else
            {
                result[key] = value?.DeepClone();
            }
        }

        return result;
    }
}
