using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

/// <summary>
/// Decides "in sync" by walking the CR against the live deployment in place, without building the desired
/// and live user parts: the common case of a reconcile costs no copy. It answers exactly what comparing
/// the built user parts answers (a property test holds the two together).
/// </summary>
internal static class UserPartComparer
{
    /// <summary>PATCH mode: merging the CR's user part onto the live one (RFC 7396) changes nothing, after normalisation.</summary>
    public static bool PatchIsNoOp(VvpDeploymentResource resource, JsonObject live, PlannerOptions options)
    {
        var liveMetadata = live["metadata"] as JsonObject;
        if (resource.UserMetadata is { } metadata)
        {
            for (var i = 0; i < metadata.Count; i++)
            {
                var (key, value) = metadata.GetAt(i);
                var same = key switch
                {
                    "displayName" => ValueNoOp(liveMetadata, key, value, options.MaxDepth),
                    "labels" => MapNoOp(liveMetadata?["labels"] as JsonObject, value, null, options.MaxDepth),
                    "annotations" => MapNoOp(liveMetadata?["annotations"] as JsonObject, value, options, options.MaxDepth),
                    _ => true, // name and namespace are the target the deployment was read by; other keys are scrubbed
                };
                if (!same)
                {
                    return false;
                }
            }
        }

        return resource.DeploymentSpec is not { } spec || MergeNoOp(live["spec"] as JsonObject ?? [], spec, 1, options.MaxDepth);
    }

    /// <summary>PUT mode: the CR's user part (nulls as absent) equals the live one, after normalisation.</summary>
    public static bool PutEquals(VvpDeploymentResource resource, JsonObject live, PlannerOptions options)
    {
        var liveMetadata = live["metadata"] as JsonObject;
        var metadata = resource.UserMetadata;
        return NullAsAbsentEquals(metadata?["displayName"], liveMetadata?["displayName"], 1, options.MaxDepth) &&
               MapEquals(metadata?["labels"] as JsonObject, liveMetadata?["labels"] as JsonObject, null, options.MaxDepth) &&
               MapEquals(metadata?["annotations"] as JsonObject, liveMetadata?["annotations"] as JsonObject, options, options.MaxDepth) &&
               NullAsAbsentEquals(resource.DeploymentSpec ?? [], live["spec"] as JsonObject ?? [], 1, options.MaxDepth);
    }

    private static bool ValueNoOp(JsonObject? live, string key, JsonNode? value, int maxDepth)
    {
        if (value is null)
        {
            return live is null || !live.ContainsKey(key);
        }

        return live is not null && live.TryGetPropertyValue(key, out var current) && MergeNoOp(current, value, 2, maxDepth);
    }

    // A string map (labels, annotations): an empty or absent map is the same; skipped keys are system annotations.
    private static bool MapNoOp(JsonObject? live, JsonNode? value, PlannerOptions? skipSystem, int maxDepth)
    {
        if (value is null)
        {
            return CountEntries(live, skipSystem) == 0;
        }

        if (value is not JsonObject map)
        {
            return false;
        }

        for (var i = 0; i < map.Count; i++)
        {
            var (key, entry) = map.GetAt(i);
            if (skipSystem?.IsSystemAnnotation(key) == true)
            {
                continue;
            }

            if (!ValueNoOp(live, key, entry, maxDepth))
            {
                return false;
            }
        }

        return true;
    }

    private static bool MergeNoOp(JsonNode? live, JsonNode patch, int depth, int maxDepth)
    {
        if (patch is not JsonObject patchObject)
        {
            return JsonEquality.EqualsCore(live, patch, depth, maxDepth);
        }

        if (live is not JsonObject liveObject)
        {
            return false;
        }

        JsonLimits.EnsureDepth(depth, maxDepth);
        for (var i = 0; i < patchObject.Count; i++)
        {
            var (key, value) = patchObject.GetAt(i);
            if (value is null)
            {
                if (liveObject.ContainsKey(key))
                {
                    return false;
                }
            }
            else if (!liveObject.TryGetPropertyValue(key, out var current) || !MergeNoOp(current, value, depth + 1, maxDepth))
            {
                return false;
            }
        }

        return true;
    }

    private static bool MapEquals(JsonObject? desired, JsonObject? live, PlannerOptions? skipSystem, int maxDepth)
    {
        if (CountEntries(desired, skipSystem) != CountEntries(live, skipSystem))
        {
            return false;
        }

        if (desired is null)
        {
            return true;
        }

        for (var i = 0; i < desired.Count; i++)
        {
            var (key, value) = desired.GetAt(i);
            if (value is null || skipSystem?.IsSystemAnnotation(key) == true)
            {
                continue;
            }

            if (live is null || !live.TryGetPropertyValue(key, out var current) || !JsonEquality.EqualsCore(value, current, 2, maxDepth))
            {
                return false;
            }
        }

        return true;
    }

    private static int CountEntries(JsonObject? map, PlannerOptions? skipSystem)
    {
        if (map is null)
        {
            return 0;
        }

        var count = 0;
        for (var i = 0; i < map.Count; i++)
        {
            var (key, value) = map.GetAt(i);
            if (value is not null && skipSystem?.IsSystemAnnotation(key) != true)
            {
                count++;
            }
        }

        return count;
    }

    // Objects compare with null members counted as absent (what PUT mode makes of nulls); arrays and scalars exactly.
    private static bool NullAsAbsentEquals(JsonNode? a, JsonNode? b, int depth, int maxDepth)
    {
        if (a is not JsonObject objectA || b is not JsonObject objectB)
        {
            return JsonEquality.EqualsCore(a, b, depth, maxDepth);
        }

        JsonLimits.EnsureDepth(depth, maxDepth);
        if (CountEntries(objectA, null) != CountEntries(objectB, null))
        {
            return false;
        }

        for (var i = 0; i < objectA.Count; i++)
        {
            var (key, value) = objectA.GetAt(i);
            if (value is null)
            {
                continue;
            }

            if (!objectB.TryGetPropertyValue(key, out var other) || other is null || !NullAsAbsentEquals(value, other, depth + 1, maxDepth))
            {
                return false;
            }
        }

        return true;
    }
}
