using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// Keeps a cache of one resource type in one namespace, as client-go's reflector and informer do: LIST, then
/// WATCH from the list's <c>resourceVersion</c>; a watch that ends is resumed from the last version seen; a
/// 410 Gone, or a failure, lists again (after a capped backoff), and the list's difference with the cache is
/// reported, so an object deleted while the watch was down leaves the cache and is reported as deleted. Each object is
/// held once, compactly: its JSON as UTF-8 bytes beside its <c>resourceVersion</c> (and one indexed value), and every
/// read gets a tree of its own, which its reader may change.
/// </summary>
internal sealed class Informer
{
    private readonly ConcurrentDictionary<string, Entry> _cache = new(StringComparer.Ordinal);
    private readonly KubernetesApi _api;
    private readonly ResourceType _type;
    private readonly string _namespace;
    private readonly TimeSpan _watchTimeout;
    private readonly Backoff _backoff;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<string, JsonObject?> _onChange;
    private readonly Func<JsonObject, JsonObject, bool>? _matters;
    private readonly Func<JsonObject, string?>? _index;
    private long _lists;
    private long _contactTicks;

    // onChange is called with the name and the new object, or null when the object was deleted; with matters, a new
    // version of a cached object is reported only when matters(cached, new) says the change is one to act on; with index,
    // the value it picks from each object is kept beside it (IndexOf), so a search of the cache parses nothing.
    public Informer(KubernetesApi api, ResourceType type, string ns, TimeSpan watchTimeout, TimeSpan maxBackoff, TimeProvider time, ILogger logger, Action<string, JsonObject?> onChange, Func<JsonObject, JsonObject, bool>? matters = null, Func<JsonObject, string?>? index = null)
    {
        _api = api;
        _type = type;
        _namespace = ns;
        _watchTimeout = watchTimeout;
        _backoff = new Backoff(TimeSpan.FromMilliseconds(200), maxBackoff, Jitter: 0.2);
        _time = time;
        _logger = logger;
        _onChange = onChange;
        _matters = matters;
        _index = index;
    }

    /// <summary>How many LISTs were made (the first, and one per relist).</summary>
    public long Lists => Interlocked.Read(ref _lists);

    /// <summary>
    /// How long a watch may deliver nothing, not even a bookmark, before it is given up and the cache listed again: the
    /// watch's timeout (the server is asked to end it then) and a margin of a tenth of it, at least 1 s.
    /// </summary>
    public TimeSpan Silence => _watchTimeout + TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, _watchTimeout.Ticks / 10));

    /// <summary>How long since the API last answered this informer (a list, a watch event, a watch's clean end).</summary>
    public TimeSpan SinceContact => _time.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref _contactTicks), TimeSpan.Zero);

    /// <summary>What the informer watches, for messages: <c>vvpdeployments in vvp-jobs</c>.</summary>
    public string Description => $"{_type.Plural} in {_namespace}";

    public ICollection<string> Names => _cache.Keys;

    /// <summary>Bytes of JSON the cache holds, all objects together.</summary>
    public long CachedBytes => _cache.Values.Sum(e => (long)e.Utf8.Length);

    /// <summary>Reads a cached object: a tree of the caller's own.</summary>
    public bool TryGet(string name, out JsonObject obj)
    {
        if (_cache.TryGetValue(name, out var entry))
        {
            obj = entry.Read();
            return true;
        }

        obj = null!;
        return false;
    }

    /// <summary>The <c>resourceVersion</c> of a cached object (nothing is parsed), or <see langword="null"/> when not cached.</summary>
    public string? VersionOf(string name) => _cache.TryGetValue(name, out var entry) ? entry.ResourceVersion : null;

    /// <summary>The value the index picked from a cached object, or <see langword="null"/>.</summary>
    public string? IndexOf(string name) => _cache.TryGetValue(name, out var entry) ? entry.Index : null;

    /// <summary>Replaces a cached object with a newer one the controller itself wrote (so the next reconcile sees it at once).</summary>
    public void Observe(JsonObject written)
    {
        if (JsonRead.String(written, "metadata", "name") is { } name && _cache.TryGetValue(name, out var cached) && IsNewer(JsonRead.String(written, "metadata", "resourceVersion"), cached.ResourceVersion))
        {
            _cache[name] = Hold(written);
        }
    }

    /// <summary>Removes an object the API answered 404 for; reports it as deleted.</summary>
    public void Forget(string name)
    {
        if (_cache.TryRemove(name, out _))
        {
            _onChange(name, null);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? version = null;
        var failures = 0;
        Touch();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (version is null)
                {
                    version = await ListAsync(cancellationToken).ConfigureAwait(false);
                    // A list that succeeded is progress: the next failure backs off from the start again.
                    failures = 0;
                }

                await foreach (var (type, obj) in _api.WatchAsync(_type, _namespace, version, _watchTimeout, Silence, cancellationToken).ConfigureAwait(false))
                {
                    failures = 0;
                    Touch();
                    version = JsonRead.String(obj, "metadata", "resourceVersion") ?? version;
                    Apply(type, obj);
                }

                Touch();
            }
            catch (Exception ex) when (cancellationToken.IsCancellationRequested && ex is OperationCanceledException or KubernetesApiException)
            {
                // Stopped: whatever the cancelled call ended with.
                return;
            }
            catch (KubernetesApiException ex) when (ex.IsGone)
            {
                Log.WatchTooOld(_logger, _type.Plural, _namespace, ex.Message);
                version = null;
            }
            catch (KubernetesApiException ex)
            {
                failures++;
                var delay = _backoff.Delay(failures);
                Log.WatchFailed(_logger, _type.Plural, _namespace, ex.Reason, ex.Message, delay.TotalSeconds);
                version = null;
                try
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        // Page by page: each item is cached (compactly) as its page is read, so a large list is never held whole; only
        // the names seen are kept, to find what left the cache while the watch was down.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unnamed = 0;
        var (version, problems) = await _api.ListPagesAsync(_type, _namespace, item =>
        {
            if (NameOf(item) is not { } name)
            {
                unnamed++;
                return;
            }

            seen.Add(name);
            Upsert(name, item);
        }, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _lists);
        Touch();
        if (problems.Count > 0)
        {
            Log.ItemsLeftOut(_logger, _type.Plural, _namespace, DisplayText.Clean(string.Join("; ", problems), 2000));
        }

        if (unnamed > 0)
        {
            Log.ItemsLeftOut(_logger, _type.Plural, _namespace, $"{unnamed} item(s) left out: metadata.name is missing or not a Kubernetes object name");
        }

        foreach (var name in _cache.Keys.Where(n => !seen.Contains(n)).ToList())
        {
            if (_cache.TryRemove(name, out _))
            {
                _onChange(name, null);
            }
        }

        return version;
    }

    // An object's name, when it is one the API server could have stored (a DNS-1123 subdomain): anything else from the
    // API is left out, so no key made of control characters reaches a log line or an Event.
    private static string? NameOf(JsonObject obj) =>
        JsonRead.String(obj, "metadata", "name") is { Length: > 0 and <= 253 } name && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '.') ? name : null;

    private void Touch() => Interlocked.Exchange(ref _contactTicks, _time.GetUtcNow().UtcTicks);

    private void Apply(string type, JsonObject obj)
    {
        if (NameOf(obj) is not { } name)
        {
            Log.ItemsLeftOut(_logger, _type.Plural, _namespace, $"a {DisplayText.Clean(type, 20)} event left out: metadata.name is missing or not a Kubernetes object name");
            return;
        }

        switch (type)
        {
            case "ADDED":
            case "MODIFIED":
                Upsert(name, obj);
                break;
            case "DELETED":
                if (_cache.TryRemove(name, out _))
                {
                    _onChange(name, null);
                }

                break;
            default:
                // BOOKMARK: only the version moves.
                break;
        }
    }

    private void Upsert(string name, JsonObject obj)
    {
        if (_cache.TryGetValue(name, out var cached) && cached.ResourceVersion == JsonRead.String(obj, "metadata", "resourceVersion"))
        {
            return;
        }

        _cache[name] = Hold(obj);
        if (cached is null || _matters is null || _matters(cached.Read(), obj))
        {
            _onChange(name, obj);
        }
    }

    private Entry Hold(JsonObject obj) =>
        new(JsonRead.String(obj, "metadata", "resourceVersion"), CompactJson.ToUtf8(obj), _index?.Invoke(obj));

    private static bool IsNewer(string? a, string? b) => long.TryParse(a, out var x) && long.TryParse(b, out var y) && x > y;

    // One cached object: its JSON, its resourceVersion, and the index's value.
    private sealed class Entry(string? resourceVersion, byte[] utf8, string? index)
    {
        public string? ResourceVersion { get; } = resourceVersion;

        public byte[] Utf8 { get; } = utf8;

        public string? Index { get; } = index;

        public JsonObject Read() => CompactJson.Read(Utf8);
    }
}
