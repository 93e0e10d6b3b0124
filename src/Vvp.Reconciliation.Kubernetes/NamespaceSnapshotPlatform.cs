using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// With <see cref="VvpOperatorOptions.ListPlatformNamespaces"/>: during a resync, the reads of a platform namespace
/// are served from one LIST of it, taken at the first read of that resync, instead of one GET per CR. Only reads
/// made for a resync use it (<see cref="ForResync"/>); a reconcile started by a change of its CR reads the platform
/// directly. A deployment written to, or failed on, is read directly for the rest of the resync, so a conflict's
/// re-read sees the platform and not the list.
/// </summary>
internal sealed class NamespaceSnapshotPlatform(IPlatformClient inner) : DelegatingPlatformClient(inner)
{
    private static readonly AsyncLocal<bool> InResync = new();

    private readonly ConcurrentDictionary<(string Namespace, ApiToken? Token), Lazy<Task<Snapshot>>> _snapshots = new();
    private readonly ConcurrentDictionary<(string Namespace, string Name), bool> _direct = new();
    private long _lists;

    /// <summary>How many LISTs the snapshots took.</summary>
    public long Lists => Interlocked.Read(ref _lists);

    /// <summary>Starts a resync: the snapshots of the previous one are dropped, so each namespace is listed again once.</summary>
    public void BeginResync()
    {
        _snapshots.Clear();
        _direct.Clear();
    }

    /// <summary>Marks the reads of the calling flow (one reconcile) as made for a resync.</summary>
    public static IDisposable ForResync()
    {
        InResync.Value = true;
        return new Reset();
    }

    public override async Task<JsonObject?> GetDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken)
    {
        if (!InResync.Value || _direct.ContainsKey((ns, name)))
        {
            return await Inner.GetDeploymentAsync(ns, name, token, cancellationToken).ConfigureAwait(false);
        }

        var lazy = _snapshots.GetOrAdd((ns, token), key => new Lazy<Task<Snapshot>>(() => ListAsync(key.Namespace, key.Token, cancellationToken)));
        Snapshot snapshot;
        try
        {
            snapshot = await lazy.Value.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PlatformException or OperationCanceledException)
        {
            // A failed list is not kept: the next read lists again, or reads directly.
            _snapshots.TryRemove(new KeyValuePair<(string, ApiToken?), Lazy<Task<Snapshot>>>((ns, token), lazy));
            return await Inner.GetDeploymentAsync(ns, name, token, cancellationToken).ConfigureAwait(false);
        }

        return snapshot.Find(name)?.DeepClone().AsObject();
    }

    public override Task<JsonObject> CreateDeploymentAsync(string ns, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) =>
        Write(ns, JsonRead.String(deployment, "metadata", "name"), Inner.CreateDeploymentAsync(ns, deployment, token, cancellationToken));

    public override Task<JsonObject> PatchDeploymentAsync(string ns, string name, JsonObject patch, ApiToken? token, CancellationToken cancellationToken) =>
        Write(ns, name, Inner.PatchDeploymentAsync(ns, name, patch, token, cancellationToken));

    public override Task<JsonObject> ReplaceDeploymentAsync(string ns, string name, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) =>
        Write(ns, name, Inner.ReplaceDeploymentAsync(ns, name, deployment, token, cancellationToken));

    public override async Task DeleteDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken)
    {
        _direct[(ns, name)] = true;
        await Inner.DeleteDeploymentAsync(ns, name, token, cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonObject> Write(string ns, string? name, Task<JsonObject> write)
    {
        if (name is not null)
        {
            _direct[(ns, name)] = true;
        }

        return await write.ConfigureAwait(false);
    }

    private async Task<Snapshot> ListAsync(string ns, ApiToken? token, CancellationToken cancellationToken)
    {
        var deployments = await Inner.ListDeploymentsAsync(ns, token, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _lists);
        return new Snapshot(deployments);
    }

    private sealed class Snapshot
    {
        private readonly Dictionary<string, JsonObject> _byNameOrId = new(StringComparer.Ordinal);

        public Snapshot(IReadOnlyList<JsonObject> deployments)
        {
            foreach (var deployment in deployments)
            {
                if (JsonRead.String(deployment, "metadata", "name") is { } name)
                {
                    _byNameOrId[name] = deployment;
                }

                if (JsonRead.String(deployment, "metadata", "id") is { } id)
                {
                    _byNameOrId.TryAdd(id, deployment);
                }
            }
        }

        public JsonObject? Find(string nameOrId) => _byNameOrId.GetValueOrDefault(nameOrId);
    }

    private sealed class Reset : IDisposable
    {
        public void Dispose() => InResync.Value = false;
    }
}
