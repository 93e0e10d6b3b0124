using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

/// <summary>
/// The user part of a deployment, defined once: <c>metadata</c> restricted to the user keys plus <c>spec</c>.
/// In the metadata, a <c>null</c> member is absent; <c>labels</c> and <c>annotations</c> hold only their
/// user entries (<see cref="UserMap"/>: no <c>null</c> values, no system annotations), and a map without
/// entries is absent. <see cref="Metadata"/> walks that view; building the user part (<see cref="FromDeployment"/>,
/// <see cref="Normalize"/>), hashing it (<see cref="HashOfDeployment"/>) and comparing it in place
/// (<see cref="UserPartComparer"/>) all read the metadata through it, so a new normalisation is written here only.
/// </summary>
internal static class UserParts
{
    public static readonly string[] UserMetadataKeys = ["name", "namespace", "displayName", "labels", "annotations"];

    // The walker's order: ordinal, the order the canonical hash writes members in.
    private static readonly string[] SortedUserMetadataKeys = [.. UserMetadataKeys.Order(StringComparer.Ordinal)];

    /// <summary>Whether a metadata key names one of the string maps (<c>labels</c>, <c>annotations</c>).</summary>
    public static bool IsMap(string key) => key is "labels" or "annotations";

    /// <summary>Whether an entry of the map named <paramref name="mapKey"/> is a system annotation (never part of the user part).</summary>
    public static bool IsSystemEntry(string mapKey, string entryKey, PlannerOptions options) =>
        mapKey == "annotations" && options.IsSystemAnnotation(entryKey);

    /// <summary>The user-part members of <paramref name="metadata"/>, in ordinal key order.</summary>
    public static MetadataWalker Metadata(JsonObject? metadata, PlannerOptions options) => new(metadata, options);

    /// <summary>The user part of a live deployment.</summary>
    public static JsonObject FromDeployment(JsonObject deployment, PlannerOptions options) => new()
    {
        ["metadata"] = MetadataCopy(JsonRead.Object(deployment, "metadata"), options),
        ["spec"] = JsonRead.Object(deployment, "spec")?.DeepClone() ?? new JsonObject(),
    };

    /// <summary>The user part a CR states: its scrubbed userMetadata (with the target's name and namespace) and spec; nulls kept.</summary>
    public static JsonObject FromResource(JsonObject userMetadata, JsonObject? spec, DeploymentTarget target)
    {
        var metadata = (JsonObject)userMetadata.DeepClone();
        metadata["name"] = target.Name;
        metadata["namespace"] = target.Namespace;
        return new JsonObject { ["metadata"] = metadata, ["spec"] = spec?.DeepClone() ?? new JsonObject() };
    }

    /// <summary>Brings a built user part's metadata to the walker's view; the tree is changed in place and returned.</summary>
    public static JsonObject Normalize(JsonObject userPart, PlannerOptions options)
    {
        if (userPart["metadata"] is JsonObject metadata)
        {
            userPart["metadata"] = MetadataCopy(metadata, options);
        }

        return userPart;
    }

    /// <summary>A copy of the user-part members of <paramref name="metadata"/>, as the walker sees them.</summary>
    public static JsonObject MetadataCopy(JsonObject? metadata, PlannerOptions options)
    {
        var result = new JsonObject();
        foreach (var member in Metadata(metadata, options))
        {
            result[member.Key] = member.IsMap
                ? member.Map.Clone()
                : member.Value.DeepClone();
        }

        return result;
    }

    /// <summary>Gives the user part's metadata an <c>annotations</c> object (empty when there is none), in place.</summary>
    public static void EnsureAnnotations(JsonObject userPart)
    {
        if (userPart["metadata"] is JsonObject metadata)
        {
            EnsureMetadataAnnotations(metadata);
        }
    }

    /// <summary>Gives a metadata object an <c>annotations</c> object (empty when there is none), in place.</summary>
    public static void EnsureMetadataAnnotations(JsonObject metadata)
    {
        if (metadata["annotations"] is not JsonObject)
        {
            metadata["annotations"] = new JsonObject();
        }
    }

    /// <summary>A copy without <c>null</c> object members, recursively (what PUT mode makes of nulls, and what a create sends).</summary>
    public static JsonNode? WithoutNulls(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, WithoutNulls(p.Value)))),
        JsonArray array => new JsonArray([.. array.Select(i => i?.DeepClone())]),
        _ => node?.DeepClone(),
    };

    public static string Hash(JsonObject userPart, PlannerOptions options) => JsonCanonical.Hash(userPart, options.MaxDepth + 2);

    /// <summary>
    /// The hash of a live deployment's user part, written straight from the deployment through the walker:
    /// the same value as <c>Hash(FromDeployment(live))</c> without building the user part.
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
                foreach (var member in Metadata(live["metadata"] as JsonObject, options))
                {
                    writer.WritePropertyName(member.Key);
                    if (member.IsMap)
                    {
                        WriteMap(writer, member.Map, maxDepth);
                    }
                    else
                    {
                        JsonCanonical.WriteCore(writer, member.Value, 3, maxDepth);
                    }
                }

                writer.WriteEndObject();
                writer.WritePropertyName("spec");
                JsonCanonical.WriteCore(writer, live["spec"] as JsonObject ?? [], 2, maxDepth);
                writer.WriteEndObject();
            },
            maxDepth);
    }

    private static void WriteMap(Utf8JsonWriter writer, UserMap map, int maxDepth)
    {
        var entries = new List<KeyValuePair<string, JsonNode>>(map.Count);
        foreach (var entry in map)
        {
            entries.Add(entry);
        }

        entries.Sort(static (x, y) => string.CompareOrdinal(x.Key, y.Key));
        writer.WriteStartObject();
        foreach (var (key, value) in entries)
        {
            writer.WritePropertyName(key);
            JsonCanonical.WriteCore(writer, value, 4, maxDepth);
        }

        writer.WriteEndObject();
    }

    /// <summary>One member of a user part's metadata: a value, or (for <c>labels</c>/<c>annotations</c>) a map of user entries.</summary>
    internal readonly record struct Member(string Key, JsonNode Value, bool IsMap, UserMap Map);

    /// <summary>Walks the user-part members of a metadata object without allocating.</summary>
    internal struct MetadataWalker(JsonObject? metadata, PlannerOptions options)
    {
        private int _index = -1;

        public Member Current { get; private set; }

        public readonly MetadataWalker GetEnumerator() => this;

        public bool MoveNext()
        {
            if (metadata is null)
            {
                return false;
            }

            while (++_index < SortedUserMetadataKeys.Length)
            {
                var key = SortedUserMetadataKeys[_index];
                if (!metadata.TryGetPropertyValue(key, out var value) || value is null)
                {
                    continue;
                }

                if (IsMap(key) && value is JsonObject map)
                {
                    var userMap = new UserMap(map, key, options);
                    if (userMap.Count == 0)
                    {
                        continue;
                    }

                    Current = new Member(key, map, true, userMap);
                    return true;
                }

                Current = new Member(key, value, false, default);
                return true;
            }

            return false;
        }
    }
}

/// <summary>
/// The user entries of a <c>labels</c> or <c>annotations</c> map: entries with a <c>null</c> value and
/// system annotations are not user entries. A view over the map; nothing is copied.
/// </summary>
internal readonly struct UserMap
{
    private readonly JsonObject? _map;
    private readonly string? _mapKey;
    private readonly PlannerOptions? _options;

    public UserMap(JsonObject? map, string mapKey, PlannerOptions options)
    {
        _map = map;
        _mapKey = mapKey;
        _options = options;
    }

    /// <summary>The number of user entries.</summary>
    public int Count
    {
        get
        {
            var count = 0;
            foreach (var _ in this)
            {
                count++;
            }

            return count;
        }
    }

    /// <summary>Whether the entry <paramref name="key"/> = <paramref name="value"/> is a user entry.</summary>
    public bool Includes(string key, JsonNode? value) =>
        value is not null && !(_options is not null && UserParts.IsSystemEntry(_mapKey!, key, _options));

    /// <summary>Reads a user entry.</summary>
    public bool TryGet(string key, out JsonNode value)
    {
        if (_map is not null && _map.TryGetPropertyValue(key, out var found) && Includes(key, found))
        {
            value = found!;
            return true;
        }

        value = null!;
        return false;
    }

    public Enumerator GetEnumerator() => new(this);

    /// <summary>A new object holding copies of the user entries.</summary>
    public JsonObject Clone()
    {
        var result = new JsonObject();
        foreach (var (key, value) in this)
        {
            result[key] = value.DeepClone();
        }

        return result;
    }

    /// <summary>Enumerates the user entries in the map's order.</summary>
    public struct Enumerator(UserMap map)
    {
        private int _index = -1;

        public KeyValuePair<string, JsonNode> Current { get; private set; }

        public bool MoveNext()
        {
            if (map._map is null)
            {
                return false;
            }

            while (++_index < map._map.Count)
            {
                var (key, value) = map._map.GetAt(_index);
                if (map.Includes(key, value))
                {
                    Current = KeyValuePair.Create(key, value!);
                    return true;
                }
            }

            return false;
        }
    }
}
