using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// With <see cref="VvpOperatorOptions.ListPlatformNamespaces"/>: the reads of a resync are served from one LIST of each
/// platform namespace, taken at the first read of that resync, instead of one GET per CR. The host hands
/// <see cref="ReadWithFingerprintAsync"/> to the reconciler as a resync's <c>ResyncRead</c>; the reconciler uses it for a
/// resync's first read only, so a change of a CR and every re-read after a conflict or a failed write ask the platform.
/// </summary>
internal sealed class NamespaceSnapshots(IPlatformClient platform, ILogger logger)
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

    /// <summary>
    /// The deployment as this resync's LIST of its namespace saw it (a GET when that LIST failed), with the fingerprint of
    /// the bytes it was read from (SHA-256 of its JSON in the LIST); no fingerprint when the deployment is not in the LIST
    /// or a GET answered instead.
    /// </summary>
    public async Task<(JsonObject? Deployment, byte[]? Fingerprint)> ReadWithFingerprintAsync(DeploymentTarget target, ApiToken? token, CancellationToken cancellationToken)
    {
        if (await SnapshotAsync(target.Namespace, token, cancellationToken).ConfigureAwait(false) is not { } snapshot)
        {
            return (await platform.GetDeploymentAsync(target.Namespace, target.Name, token, cancellationToken).ConfigureAwait(false), null);
        }

        return snapshot.TryFind(target.Name, out var utf8) ? (CompactJson.Read(utf8.Span), Fingerprint(utf8.Span)) : (null, null);
    }

    /// <summary>
    /// The fingerprint of the deployment in this resync's LIST (see <see cref="ReadWithFingerprintAsync"/>), without
    /// reading it; <see langword="null"/> when it is not in the LIST or the LIST failed.
    /// </summary>
    public async Task<byte[]?> FingerprintAsync(DeploymentTarget target, ApiToken? token, CancellationToken cancellationToken) =>
        await SnapshotAsync(target.Namespace, token, cancellationToken).ConfigureAwait(false) is { } snapshot && snapshot.TryFind(target.Name, out var utf8)
            ? Fingerprint(utf8.Span)
            : null;

    /// <summary>The fingerprint of a deployment's bytes (SHA-256).</summary>
    public static byte[] Fingerprint(ReadOnlySpan<byte> utf8) => SHA256.HashData(utf8);

    // This resync's LIST of a namespace with a token, taken by the first read; null when it failed. A failed LIST is not
    // tried again in the same resync (one too large for maxResponseBytes, or refused, would fail for every CR): the
    // resync reads that namespace's deployments with a GET each, and the next resync lists again.
    private async Task<Snapshot?> SnapshotAsync(string ns, ApiToken? token, CancellationToken cancellationToken)
    {
        var lazy = _snapshots.GetOrAdd((ns, token), key => new Lazy<Task<Snapshot>>(() => ListAsync(key.Namespace, key.Token, cancellationToken)));
        try
        {
            return await lazy.Value.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is PlatformException or OperationCanceledException)
        {
            return null;
        }
    }

    private async Task<Snapshot> ListAsync(string ns, ApiToken? token, CancellationToken cancellationToken)
    {
        IReadOnlyList<ReadOnlyMemory<byte>> deployments;
        try
        {
            deployments = await platform.ListDeploymentsAsUtf8Async(ns, token, cancellationToken).ConfigureAwait(false);
        }
        catch (PlatformException ex)
        {
            // Once per resync and namespace: the LIST is not tried again in it.
            Log.ListFailed(logger, ns, ex.Kind.ToString(), DisplayText.Clean(ex.Message, DisplayText.DefaultMaxLength, token));
            throw;
        }

        Interlocked.Increment(ref _lists);
        try
        {
            return new Snapshot(deployments);
        }
        catch (JsonException ex)
        {
            // An adapter of another making that hands out bytes that are not JSON: the reads ask the platform directly.
            throw new PlatformException(PlatformErrorKind.Protocol, $"The list of the deployments of namespace '{ns}' holds an item that is not JSON: {ex.Message}", null, null, ex);
        }
    }

    // A LIST held as the bytes the platform sent, each deployment's slice by name and by id: no tree of the list is ever
    // built, and every read parses a tree of its own, so a resync's reads never grow the snapshot.
    private sealed class Snapshot
    {
        private readonly Dictionary<string, ReadOnlyMemory<byte>> _byNameOrId = new(StringComparer.Ordinal);

        public Snapshot(IReadOnlyList<ReadOnlyMemory<byte>> deployments)
        {
            foreach (var deployment in deployments)
            {
                var (name, id) = Identify(deployment.Span);
                if (name is not null)
                {
                    _byNameOrId[name] = deployment;
                }

                if (id is not null)
                {
                    _byNameOrId.TryAdd(id, deployment);
                }
            }
        }

        public bool TryFind(string nameOrId, out ReadOnlyMemory<byte> utf8) => _byNameOrId.TryGetValue(nameOrId, out utf8);

        // metadata.name and metadata.id of one deployment's JSON, read without building its tree.
        private static (string? Name, string? Id) Identify(ReadOnlySpan<byte> deployment)
        {
            var reader = new Utf8JsonReader(deployment, new JsonReaderOptions { MaxDepth = 1024 });
            string? name = null, id = null;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMetadata = reader.ValueTextEquals("metadata"u8);
                reader.Read();
                if (!isMetadata || reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isName = reader.ValueTextEquals("name"u8);
                    var isId = reader.ValueTextEquals("id"u8);
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && (isName || isId))
                    {
                        (name, id) = isName ? (reader.GetString(), id) : (name, reader.GetString());
                    }

                    reader.Skip();
                }
            }

            return (name, id);
        }
    }
}
