using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// The LISTs of platform namespaces a resync reads its deployments from (<see cref="VvpOperatorOptions.PlatformNamespaceListing"/>
/// <see cref="PlatformNamespaceListing.Always"/> or <see cref="PlatformNamespaceListing.Auto"/>): one LIST of a namespace,
/// taken at the read that decides for it, instead of one GET per CR. The host asks <see cref="ForAsync"/> at each of a
/// resync's first reads; <see langword="null"/> tells it to read that deployment with a GET. The reconciler uses a
/// resync's read for its first read only, so a change of a CR and every re-read after a conflict or a failed write ask
/// the platform.
/// </summary>
internal sealed class NamespaceSnapshots(IPlatformClient platform, PlatformNamespaceListing listing, ILogger logger)
{
    /// <summary>With <see cref="PlatformNamespaceListing.Auto"/>: the reads of a namespace in one resync from which it is listed.</summary>
    internal const int AutoMinimumReads = 8;

    /// <summary>With <see cref="PlatformNamespaceListing.Auto"/>: a LIST holding more deployments than this per read it served was not worth it.</summary>
    internal const int AutoDeploymentsPerRead = 4;

    /// <summary>With <see cref="PlatformNamespaceListing.Auto"/>: for how many resyncs a namespace whose LIST was not worth it, or failed, is read with GETs.</summary>
    internal const int AutoGetResyncs = 10;

    private readonly ConcurrentDictionary<(string Namespace, ApiToken? Token), Lazy<Task<Snapshot>>> _snapshots = new();
    // This resync's reads per namespace and token, and what the last resync is expected to have read (Auto only).
    private readonly ConcurrentDictionary<(string Namespace, ApiToken? Token), int> _reads = new();
    private IReadOnlyDictionary<(string Namespace, ApiToken? Token), int> _expected = new Dictionary<(string, ApiToken?), int>();
    // Auto: the resync from which a namespace may be listed again, after a LIST that was not worth it or failed.
    private readonly ConcurrentDictionary<(string Namespace, ApiToken? Token), long> _getsUntil = new();
    private long _resync;
    private long _lists;

    /// <summary>How many LISTs the snapshots took.</summary>
    public long Lists => Interlocked.Read(ref _lists);

    /// <summary>How many namespaces' LISTs are held.</summary>
    public int Held => _snapshots.Count;

    /// <summary>How a resync reads a namespace's deployments.</summary>
    public PlatformNamespaceListing Listing => listing;

    /// <summary>
    /// Starts a resync: the snapshots of the previous one are dropped, so each namespace is listed again once.
    /// </summary>
    /// <param name="expected">
    /// With <see cref="PlatformNamespaceListing.Auto"/>: how many reads each namespace and token is expected to serve in
    /// this resync (the CRs whose last quiet resync read it); a namespace expected to serve
    /// <see cref="AutoMinimumReads"/> or more is listed at its first read.
    /// </param>
    public void BeginResync(IReadOnlyDictionary<(string Namespace, ApiToken? Token), int>? expected = null)
    {
        Settle();
        _expected = expected ?? new Dictionary<(string, ApiToken?), int>();
        Interlocked.Increment(ref _resync);
    }

    /// <summary>Ends a resync: its snapshots are dropped, so a namespace's LIST is not kept alive until the next one.</summary>
    public void EndResync() => Settle();

    /// <summary>
    /// This resync's LIST of the namespace <paramref name="target"/> is in, taken now when this read is the one that
    /// decides for it; <see langword="null"/> when the deployment is to be read with a GET (the namespace is not listed, or
    /// its LIST failed).
    /// </summary>
    public async Task<Snapshot?> ForAsync(DeploymentTarget target, ApiToken? token, CancellationToken cancellationToken)
    {
        var key = (target.Namespace, token);
        if (listing == PlatformNamespaceListing.Auto)
        {
            var reads = _reads.AddOrUpdate(key, 1, static (_, n) => n + 1);
            if (!_snapshots.ContainsKey(key) &&
                (_getsUntil.TryGetValue(key, out var until) && Interlocked.Read(ref _resync) <= until ||
                 Math.Max(reads, _expected.GetValueOrDefault(key)) < AutoMinimumReads))
            {
                return null;
            }
        }

        return await SnapshotAsync(key, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The fingerprint of a deployment's bytes (SHA-256).</summary>
    public static byte[] Fingerprint(ReadOnlySpan<byte> utf8) => SHA256.HashData(utf8);

    // Drops the resync's snapshots. With Auto, a namespace whose LIST held more than AutoDeploymentsPerRead deployments
    // per read it served (most of them deployments no CR of this operator reads), or whose LIST failed, is read with GETs
    // for the next AutoGetResyncs resyncs.
    private void Settle()
    {
        if (listing == PlatformNamespaceListing.Auto)
        {
            foreach (var (key, lazy) in _snapshots)
            {
                if (!lazy.IsValueCreated || !lazy.Value.IsCompleted)
                {
                    continue;
                }

                var failed = !lazy.Value.IsCompletedSuccessfully;
                if (failed || lazy.Value.Result.Count > AutoDeploymentsPerRead * (long)_reads.GetValueOrDefault(key))
                {
                    _getsUntil[key] = Interlocked.Read(ref _resync) + AutoGetResyncs;
                }
                else
                {
                    _getsUntil.TryRemove(key, out _);
                }
            }
        }

        _snapshots.Clear();
        _reads.Clear();
    }

    // This resync's LIST of a namespace with a token, taken by the first read; null when it failed. A failed LIST is not
    // tried again in the same resync (one too large for maxResponseBytes, or refused, would fail for every CR): the
    // resync reads that namespace's deployments with a GET each, and the next resync lists again (with Auto, the
    // AutoGetResyncs-th next).
    private async Task<Snapshot?> SnapshotAsync((string Namespace, ApiToken? Token) key, CancellationToken cancellationToken)
    {
        var lazy = _snapshots.GetOrAdd(key, k => new Lazy<Task<Snapshot>>(() => ListAsync(k.Namespace, k.Token, cancellationToken)));
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
    internal sealed class Snapshot
    {
        private readonly Dictionary<string, ReadOnlyMemory<byte>> _byNameOrId = new(StringComparer.Ordinal);

        public Snapshot(IReadOnlyList<ReadOnlyMemory<byte>> deployments)
        {
            Count = deployments.Count;
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

        /// <summary>How many deployments the LIST held.</summary>
        public int Count { get; }

        /// <summary>The bytes of a deployment in the LIST, by its name or id.</summary>
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
