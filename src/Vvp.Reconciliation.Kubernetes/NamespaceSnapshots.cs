using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// With <see cref="VvpOperatorOptions.ListPlatformNamespaces"/>: the reads of a resync are served from one LIST of each
/// platform namespace, taken at the first read of that resync, instead of one GET per CR. The controller hands
/// <see cref="ReadAsync"/> to the reconciler as a resync's <c>ResyncRead</c>; the reconciler uses it for a resync's
/// first read only, so a change of a CR and every re-read after a conflict or a failed write ask the platform.
/// </summary>
internal sealed class NamespaceSnapshots(IPlatformClient platform)
{
    private readonly ConcurrentDictionary<(string Namespace, ApiToken? Token), Lazy<Task<Snapshot>>> _snapshots = new();
    private long _lists;

    /// <summary>How many LISTs the snapshots took.</summary>
    public long Lists => Interlocked.Read(ref _lists);

    /// <summary>How many namespaces' LISTs are held.</summary>
    public int Held => _snapshots.Count;

    /// <summary>Starts a resync: the snapshots of the previous one are dropped, so each namespace is listed again once.</summary>
    public void BeginResync() => _snapshots.Clear();

    /// <summary>Ends a resync: its snapshots are dropped, so a namespace's LIST is not kept alive until the next one.</summary>
    public void EndResync() => _snapshots.Clear();

    /// <summary>The deployment as this resync's LIST of its namespace saw it; a GET when that LIST failed.</summary>
    public async Task<JsonObject?> ReadAsync(DeploymentTarget target, ApiToken? token, CancellationToken cancellationToken)
    {
        var lazy = _snapshots.GetOrAdd((target.Namespace, token), key => new Lazy<Task<Snapshot>>(() => ListAsync(key.Namespace, key.Token, cancellationToken)));
        Snapshot snapshot;
        try
        {
            snapshot = await lazy.Value.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PlatformException or OperationCanceledException)
        {
            // A failed list is not kept: the next read lists again, or reads directly.
            _snapshots.TryRemove(new KeyValuePair<(string, ApiToken?), Lazy<Task<Snapshot>>>((target.Namespace, token), lazy));
            return await platform.GetDeploymentAsync(target.Namespace, target.Name, token, cancellationToken).ConfigureAwait(false);
        }

        return snapshot.Find(target.Name);
    }

    private async Task<Snapshot> ListAsync(string ns, ApiToken? token, CancellationToken cancellationToken)
    {
        var deployments = await platform.ListDeploymentsAsync(ns, token, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _lists);
        return new Snapshot(deployments);
    }

    // A LIST held compactly: each deployment's JSON as UTF-8 bytes, by name and by id; every read parses a tree of its own,
    // so a resync's reads never grow the snapshot (the list's trees are let go as soon as it is built).
    private sealed class Snapshot
    {
        private readonly Dictionary<string, byte[]> _byNameOrId = new(StringComparer.Ordinal);

        public Snapshot(IReadOnlyList<JsonObject> deployments)
        {
            var buffer = new ArrayBufferWriter<byte>(4096);
            foreach (var deployment in deployments)
            {
                var utf8 = CompactJson.ToUtf8(deployment, buffer);
                if (JsonRead.String(deployment, "metadata", "name") is { } name)
                {
                    _byNameOrId[name] = utf8;
                }

                if (JsonRead.String(deployment, "metadata", "id") is { } id)
                {
                    _byNameOrId.TryAdd(id, utf8);
                }
            }
        }

        public JsonObject? Find(string nameOrId) =>
            _byNameOrId.TryGetValue(nameOrId, out var utf8) ? CompactJson.Read(utf8) : null;
    }
}
