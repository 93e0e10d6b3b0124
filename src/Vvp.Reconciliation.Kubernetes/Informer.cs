using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// Keeps a cache of one resource type in one namespace, as client-go's reflector and informer do: LIST, then
/// WATCH from the list's <c>resourceVersion</c>; a watch that ends is resumed from the last version seen; a
/// 410 Gone, or a failure, lists again (after a capped backoff), and the list's difference with the cache is
/// reported, so an object deleted while the watch was down leaves the cache and is reported as deleted.
/// </summary>
internal sealed class Informer
{
    private readonly ConcurrentDictionary<string, JsonObject> _cache = new(StringComparer.Ordinal);
    private readonly KubernetesApi _api;
    private readonly ResourceType _type;
    private readonly string _namespace;
    private readonly TimeSpan _watchTimeout;
    private readonly Backoff _backoff;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<string, JsonObject?> _onChange;
    private readonly Func<JsonObject, JsonObject, bool>? _matters;
    private long _lists;

    // onChange is called with the name and the new object, or null when the object was deleted; with matters, a new
    // version of a cached object is reported only when matters(cached, new) says the change is one to act on.
    public Informer(KubernetesApi api, ResourceType type, string ns, TimeSpan watchTimeout, TimeSpan maxBackoff, TimeProvider time, ILogger logger, Action<string, JsonObject?> onChange, Func<JsonObject, JsonObject, bool>? matters = null)
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
    }

    /// <summary>How many LISTs were made (the first, and one per relist).</summary>
    public long Lists => Interlocked.Read(ref _lists);

    public ICollection<string> Names => _cache.Keys;

    public bool TryGet(string name, out JsonObject obj) => _cache.TryGetValue(name, out obj!);

    /// <summary>Replaces a cached object with a newer one the controller itself wrote (so the next reconcile sees it at once).</summary>
    public void Observe(JsonObject written)
    {
        if (JsonRead.String(written, "metadata", "name") is { } name && _cache.TryGetValue(name, out var cached) && IsNewer(written, cached))
        {
            _cache[name] = written;
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
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                version ??= await ListAsync(cancellationToken).ConfigureAwait(false);
                await foreach (var (type, obj) in _api.WatchAsync(_type, _namespace, version, _watchTimeout, cancellationToken).ConfigureAwait(false))
                {
                    failures = 0;
                    version = JsonRead.String(obj, "metadata", "resourceVersion") ?? version;
                    Apply(type, obj);
                }
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
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var list = await _api.ListAsync(_type, _namespace, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _lists);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in (list["items"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (JsonRead.String(item, "metadata", "name") is not { } name)
            {
                continue;
            }

            seen.Add(name);
            Upsert(name, item);
        }

        foreach (var name in _cache.Keys.Where(n => !seen.Contains(n)).ToList())
        {
            if (_cache.TryRemove(name, out _))
            {
                _onChange(name, null);
            }
        }

        return JsonRead.String(list, "metadata", "resourceVersion") ?? "0";
    }

    private void Apply(string type, JsonObject obj)
    {
        if (JsonRead.String(obj, "metadata", "name") is not { } name)
        {
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
        if (_cache.TryGetValue(name, out var cached) && JsonRead.String(cached, "metadata", "resourceVersion") == JsonRead.String(obj, "metadata", "resourceVersion"))
        {
            return;
        }

        _cache[name] = obj;
        if (cached is null || _matters is null || _matters(cached, obj))
        {
            _onChange(name, obj);
        }
    }

    private static bool IsNewer(JsonObject a, JsonObject b) =>
        long.TryParse(JsonRead.String(a, "metadata", "resourceVersion"), out var x) &&
        long.TryParse(JsonRead.String(b, "metadata", "resourceVersion"), out var y) && x > y;
}
