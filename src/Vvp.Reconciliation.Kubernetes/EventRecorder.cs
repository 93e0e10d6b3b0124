using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Reconciling;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// Records Kubernetes Events for CRs as client-go's recorder does: an event with the same object, type, reason
/// and message as an earlier one is one Event object whose <c>count</c> grows (its name is derived from those
/// four, so a restarted operator finds it too); and each object may write at most <c>burst</c> Events, refilled
/// at one per <c>refill</c>: a CR that fails in a loop cannot flood the namespace. Failures to record are logged, never thrown.
/// </summary>
internal sealed class EventRecorder
{
    private readonly object _gate = new();
    private readonly Dictionary<string, int> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Tokens, DateTimeOffset At)> _buckets = new(StringComparer.Ordinal);
    private readonly KubernetesApi _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _burst;
    private readonly TimeSpan _refill;
    private readonly string _component;
    private readonly string? _instance;
    private int _sweepAt = 1024;
    private DateTimeOffset _sweptAt = DateTimeOffset.MinValue;

    // component: the controller's name (source.component, reportingComponent); instance: this replica's (reportingInstance).
    public EventRecorder(KubernetesApi api, TimeProvider time, ILogger logger, int burst, TimeSpan refill, string component, string? instance = null)
    {
        _api = api;
        _time = time;
        _logger = logger;
        _burst = burst;
        _refill = refill;
        _component = component;
        _instance = instance;
    }

    /// <summary>How many objects have a rate-limit bucket (the others' would be full).</summary>
    public int Buckets
    {
        get
        {
            lock (_gate)
            {
                return _buckets.Count;
            }
        }
    }

    /// <summary>How many events were dropped by the rate limit.</summary>
    public long Dropped { get; private set; }

    public async Task RecordAsync(JsonObject cr, ReconcileEvent e, CancellationToken cancellationToken)
    {
        var ns = JsonRead.String(cr, "metadata", "namespace") ?? "default";
        var name = JsonRead.String(cr, "metadata", "name") ?? "";
        var uid = JsonRead.String(cr, "metadata", "uid") ?? "";
        var objectKey = $"{ns}/{name}/{uid}";
        var eventName = $"{name}.{Hash($"{objectKey}\n{e.Type}\n{e.Reason}\n{e.Message}")}";
        var now = _time.GetUtcNow();
        var stamp = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        int count;
        lock (_gate)
        {
            if (!TakeToken(objectKey, now))
            {
                Dropped++;
                return;
            }

            count = _seen.TryGetValue(eventName, out var seen) ? seen + 1 : 1;
        }

        try
        {
            if (count > 1)
            {
                await _api.MergePatchAsync(ResourceType.Events, ns, eventName, new JsonObject { ["count"] = count, ["lastTimestamp"] = stamp }, cancellationToken).ConfigureAwait(false);
                Remember(eventName, count);
                return;
            }

            await _api.CreateAsync(ResourceType.Events, ns, WithInstance(NewEvent(cr, e, eventName, ns, name, uid, stamp)), cancellationToken).ConfigureAwait(false);
            Remember(eventName, 1);
        }
        catch (KubernetesApiException ex) when (ex.StatusCode == 409 && count == 1)
        {
            // Recorded by an earlier run of the operator: continue its count.
            await BumpExistingAsync(ns, eventName, stamp, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.IsNotFound && count > 1)
        {
            // The Event expired (the API server keeps them for an hour): start it again.
            lock (_gate)
            {
                _seen.Remove(eventName);
            }

            await TryCreateAsync(cr, e, eventName, ns, name, uid, stamp, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex)
        {
            Log.EventNotRecorded(_logger, e.Reason, ns, name, ex.Message);
        }
    }

    private async Task BumpExistingAsync(string ns, string eventName, string stamp, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await _api.GetAsync(ResourceType.Events, ns, eventName, cancellationToken).ConfigureAwait(false);
            var count = (int)Math.Clamp((JsonRead.Int64(existing, "count") ?? 1) + 1, 1, int.MaxValue);
            await _api.MergePatchAsync(ResourceType.Events, ns, eventName, new JsonObject { ["count"] = count, ["lastTimestamp"] = stamp }, cancellationToken).ConfigureAwait(false);
            Remember(eventName, count);
        }
        catch (KubernetesApiException ex)
        {
            Log.EventNotUpdated(_logger, eventName, ns, ex.Message);
        }
    }

    private async Task TryCreateAsync(JsonObject cr, ReconcileEvent e, string eventName, string ns, string name, string uid, string stamp, CancellationToken cancellationToken)
    {
        try
        {
            await _api.CreateAsync(ResourceType.Events, ns, WithInstance(NewEvent(cr, e, eventName, ns, name, uid, stamp)), cancellationToken).ConfigureAwait(false);
            Remember(eventName, 1);
        }
        catch (KubernetesApiException ex)
        {
            Log.EventNotRecorded(_logger, e.Reason, ns, name, ex.Message);
        }
    }

    private JsonObject WithInstance(JsonObject e)
    {
        if (_instance is not null)
        {
            e["reportingInstance"] = _instance;
        }

        return e;
    }

    private JsonObject NewEvent(JsonObject cr, ReconcileEvent e, string eventName, string ns, string name, string uid, string stamp) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Event",
        ["metadata"] = new JsonObject { ["name"] = eventName, ["namespace"] = ns },
        ["involvedObject"] = new JsonObject
        {
            ["apiVersion"] = JsonRead.String(cr, "apiVersion") ?? ResourceType.VvpDeployments.ApiVersion,
            ["kind"] = JsonRead.String(cr, "kind") ?? ResourceType.VvpDeployments.Kind,
            ["name"] = name,
            ["namespace"] = ns,
            ["uid"] = uid,
            ["resourceVersion"] = JsonRead.String(cr, "metadata", "resourceVersion"),
        },
        ["type"] = e.Type,
        ["reason"] = e.Reason,
        ["message"] = e.Message,
        ["source"] = new JsonObject { ["component"] = _component },
        ["reportingComponent"] = _component,
        ["firstTimestamp"] = stamp,
        ["lastTimestamp"] = stamp,
        ["count"] = 1,
    };

    // Only the count is kept: the next repeat patches the Event by its name.
    private void Remember(string eventName, int count)
    {
        lock (_gate)
        {
            _seen[eventName] = count;
            if (_seen.Count > 4096)
            {
                // Bounded memory: forget the whole table; a later repeat finds its Event by name (409) and continues its count.
                _seen.Clear();
            }
        }
    }

    private bool TakeToken(string objectKey, DateTimeOffset now)
    {
        var full = TimeSpan.FromTicks(_refill.Ticks * _burst);
        if (_buckets.Count >= _sweepAt || (_buckets.Count >= 1024 && now - _sweptAt >= full))
        {
            // A bucket refilled to its burst is the same as none: those are let go, so a fleet's buckets do not outlive its
            // quiet CRs (a sweep when the table has doubled, or when a whole refill has passed since the last one).
            _sweptAt = now;
            foreach (var key in _buckets.Where(b => now - b.Value.At >= full).Select(b => b.Key).ToList())
            {
                _buckets.Remove(key);
            }

            _sweepAt = Math.Max(1024, _buckets.Count * 2);
        }

        var (tokens, at) = _buckets.TryGetValue(objectKey, out var bucket) ? bucket : (_burst, now);
        tokens = Math.Min(_burst, tokens + ((now - at).TotalMilliseconds / Math.Max(1, _refill.TotalMilliseconds)));
        if (tokens < 1)
        {
            _buckets[objectKey] = (tokens, now);
            return false;
        }

        _buckets[objectKey] = (tokens - 1, now);
        return true;
    }

    private static string Hash(string text) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 8).ToLowerInvariant();
}
