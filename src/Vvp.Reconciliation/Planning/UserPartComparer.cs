using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

/// <summary>
/// Decides "in sync" by walking the CR against the live deployment in place, without building the desired
/// and live user parts: the common case of a reconcile costs no copy. The live side is read through
/// <see cref="UserParts"/>' walker, so it answers exactly what comparing the built user parts answers
/// (a property test holds the two together).
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
                    "labels" or "annotations" => MapNoOp(new UserMap(liveMetadata?[key] as JsonObject, key, options), key, value, options),
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
               MapEquals("labels", metadata, liveMetadata, options) &&
               MapEquals("annotations", metadata, liveMetadata, options) &&
               NullAsAbsentEquals(resource.DeploymentSpec ?? [], live["spec"] as JsonObject ?? [], 1, options.MaxDepth);
    }

    private static bool ValueNoOp(JsonObject? live, string key, JsonNode? value, int maxDepth)
    {
        if (value is null)
        {
            return live?[key] is null;
        }

        return live is not null && live.TryGetPropertyValue(key, out var current) && MergeNoOp(current, value, 2, maxDepth);
    }

    // A string map: the CR's map merged onto the live user entries; the CR's system annotations are scrubbed, not merged.
    private static bool MapNoOp(UserMap live, string mapKey, JsonNode? value, PlannerOptions options)
    {
        if (value is null)
        {
            return live.Count == 0;
        }

        if (value is not JsonObject map)
        {
            return false;
        }

        for (var i = 0; i < map.Count; i++)
        {
            var (key, entry) = map.GetAt(i);
            if (UserParts.IsSystemEntry(mapKey, key, options))
            {
                continue;
            }

            var present = live.TryGet(key, out var current);
            if (entry is null ? present : !present || !MergeNoOp(current, entry, 2, options.MaxDepth))
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

    private static bool MapEquals(string mapKey, JsonObject? desiredMetadata, JsonObject? liveMetadata, PlannerOptions options)
    {
        var desired = new UserMap(desiredMetadata?[mapKey] as JsonObject, mapKey, options);
        var live = new UserMap(liveMetadata?[mapKey] as JsonObject, mapKey, options);
        if (desired.Count != live.Count)
        {
            return false;
        }

        foreach (var (key, value) in desired)
        {
            if (!live.TryGet(key, out var current) || !JsonEquality.EqualsCore(value, current, 2, options.MaxDepth))
            {
                return false;
            }
        }

        return true;
    }

    private static int CountNonNull(JsonObject map)
    {
        var count = 0;
        for (var i = 0; i < map.Count; i++)
        {
            if (map.GetAt(i).Value is not null)
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
        if (CountNonNull(objectA) != CountNonNull(objectB))
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
