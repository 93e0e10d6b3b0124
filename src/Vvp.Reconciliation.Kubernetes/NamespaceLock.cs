using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// The namespace lock (SEMANTICS §15): the ConfigMap <see cref="ConfigMapName"/> in a watched namespace records
/// the operator identity that owns it. It is claimed atomically by creating it; an existing one is only read,
/// never overwritten, whoever it names and however long ago that operator stopped; deleting it frees the namespace.
/// </summary>
internal static class NamespaceLock
{
    public const string ConfigMapName = "ververica-operator-leader-election";

    private const string NoIdentity = "(a lock that names no identity)";

    // The annotation leader-election records live in (the record's holderIdentity is the owner).
    public const string LeaderAnnotation = "control-plane.alpha.kubernetes.io/leader";

    /// <summary>Reads who holds the namespace's lock, without claiming it.</summary>
    /// <returns>The holder (<c>(a lock that names no identity)</c> for one that names none), or <see langword="null"/> when there is no lock.</returns>
    public static async Task<string?> HolderAsync(KubernetesApi api, string ns, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await api.GetAsync(ResourceType.ConfigMaps, ns, ConfigMapName, cancellationToken).ConfigureAwait(false);
            return HolderOf(existing) ?? NoIdentity;
        }
        catch (KubernetesApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    /// <summary>Claims the namespace for <paramref name="identity"/>.</summary>
    /// <returns><see langword="null"/> when <paramref name="identity"/> owns it now; otherwise the owner's identity.</returns>
    public static async Task<string?> ClaimAsync(KubernetesApi api, string ns, string identity, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await api.CreateAsync(ResourceType.ConfigMaps, ns, NewLock(ns, identity, time), cancellationToken).ConfigureAwait(false);
                return null;
            }
            catch (KubernetesApiException ex) when (ex.IsConflict)
            {
                // AlreadyExists: read who holds it; it is never overwritten.
            }

            try
            {
                var existing = await api.GetAsync(ResourceType.ConfigMaps, ns, ConfigMapName, cancellationToken).ConfigureAwait(false);
                var holder = HolderOf(existing);
                return holder == identity ? null : holder ?? NoIdentity;
            }
            catch (KubernetesApiException ex) when (ex.IsNotFound && attempt < 3)
            {
                // Deleted between the create and the read: claim again.
            }
        }
    }

    /// <summary>The identity a lock ConfigMap names, from its leader record (or its <c>data.identity</c>).</summary>
    public static string? HolderOf(JsonObject configMap)
    {
        if (JsonRead.String(configMap, "metadata", "annotations", LeaderAnnotation) is { } record)
        {
            try
            {
                if (JsonRead.String(JsonNode.Parse(record), "holderIdentity") is { Length: > 0 } holder)
                {
                    return holder;
                }
            }
            catch (JsonException)
            {
                // Not a record: fall back to the data key.
            }
        }

        return JsonRead.String(configMap, "data", "identity") is { Length: > 0 } identity ? identity : null;
    }

    private static JsonObject NewLock(string ns, string identity, TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var record = new JsonObject { ["holderIdentity"] = identity, ["acquireTime"] = now, ["renewTime"] = now, ["leaderTransitions"] = 0 };
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject
            {
                ["name"] = ConfigMapName,
                ["namespace"] = ns,
                ["annotations"] = new JsonObject { [LeaderAnnotation] = record.ToJsonString() },
                ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "vvp-operator" },
            },
            ["data"] = new JsonObject { ["identity"] = identity },
        };
    }
}
