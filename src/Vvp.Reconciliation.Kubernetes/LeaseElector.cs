using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// Leader election among replicas of one operator identity with a <c>coordination.k8s.io/v1</c> Lease whose holder
/// is the replica (the pod), as client-go's leader elector does: a lease is taken when absent, released, or not
/// renewed for its duration as observed on this replica's own clock; the leader renews every retry period and
/// stops leading when it could not renew within the renew deadline — shorter than the lease duration, so work
/// stops before another replica may take over. API failures are retried within those bounds, never thrown.
/// </summary>
internal sealed class LeaseElector
{
    private readonly KubernetesApi _api;
    private readonly string _namespace;
    private readonly string _name;
    private readonly string _holder;
    private readonly VvpOperatorOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action _tick;
    private string? _observedRecord;
    private DateTimeOffset _observedAt;

    public LeaseElector(KubernetesApi api, string ns, string name, string holder, VvpOperatorOptions options, TimeProvider time, ILogger logger, Action tick)
    {
        _tick = tick;
        _api = api;
        _namespace = ns;
        _name = name;
        _holder = holder;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Acquires the lease (waiting while another replica holds it), runs <paramref name="lead"/> with a token that
    /// is cancelled when leadership is lost or <paramref name="cancellationToken"/> is, and starts over after a loss.
    /// On cancellation the lease is released once <paramref name="lead"/> has returned.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (!await AcquireAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            Log.Leads(_logger, _holder, _namespace, _name);
            using var term = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var work = lead(term.Token);
            var renew = RenewAsync(term.Token);
            await Task.WhenAny(work, renew).ConfigureAwait(false);
            await term.CancelAsync().ConfigureAwait(false);
            try
            {
                await work.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The term ended.
            }

            await renew.ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                await ReleaseAsync().ConfigureAwait(false);
                return;
            }

            Log.StoppedLeading(_logger, _holder, _namespace, _name);
        }
    }

    private async Task<bool> AcquireAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            try
            {
                // A standby tries again after a jittered retry period, so that standbys do not try in step.
                await Task.Delay(new Backoff(_options.RetryPeriod, _options.RetryPeriod, Jitter: 0.2).Delay(1), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return false;
    }

    // Returns when leadership is lost (no renewal within the renew deadline) or the term is cancelled.
    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        var lastRenewal = _time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.RetryPeriod, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(Remaining(lastRenewal));
            bool renewed;
            try
            {
                renewed = await TryAcquireOrRenewAsync(attempt.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                renewed = false;
            }

            if (renewed)
            {
                lastRenewal = _time.GetUtcNow();
            }
            else if (_time.GetUtcNow() - lastRenewal >= _options.RenewDeadline)
            {
                Log.RenewFailed(_logger, _holder, _options.RenewDeadline.TotalSeconds);
                return;
            }
        }
    }

    private TimeSpan Remaining(DateTimeOffset lastRenewal)
    {
        var left = _options.RenewDeadline - (_time.GetUtcNow() - lastRenewal);
        return left > TimeSpan.FromMilliseconds(50) ? left : TimeSpan.FromMilliseconds(50);
    }

    private async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        _tick();
        var now = _time.GetUtcNow();
        JsonObject lease;
        try
        {
            lease = await _api.GetAsync(ResourceType.Leases, _namespace, _name, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException ex) when (ex.IsNotFound)
        {
            try
            {
                await _api.CreateAsync(ResourceType.Leases, _namespace, NewLease(now), cancellationToken).ConfigureAwait(false);
                Observe(null, now);
                return true;
            }
            catch (KubernetesApiException inner)
            {
                LogFailure(inner);
                return false;
            }
        }
        catch (KubernetesApiException ex)
        {
            LogFailure(ex);
            return false;
        }

        var spec = lease["spec"] as JsonObject ?? [];
        var holder = JsonRead.String(spec, "holderIdentity");
        var record = $"{holder}|{JsonRead.String(spec, "renewTime")}|{JsonRead.Int64(spec, "leaseDurationSeconds")}";
        if (record != _observedRecord)
        {
            Observe(record, now);
        }

        // The API's int32 fields, clamped to their range: a hostile or corrupt record must not overflow a TimeSpan or
        // make the next transition count one the API refuses.
        var duration = TimeSpan.FromSeconds(Math.Clamp(JsonRead.Int64(spec, "leaseDurationSeconds") ?? (long)_options.LeaseDuration.TotalSeconds, 0, int.MaxValue));
        if (!string.IsNullOrEmpty(holder) && holder != _holder && _observedAt + duration > now)
        {
            return false;
        }

        var transitions = Math.Clamp(JsonRead.Int64(spec, "leaseTransitions") ?? 0, 0, int.MaxValue);
        var next = (JsonObject)lease.DeepClone();
        next["spec"] = new JsonObject
        {
            ["holderIdentity"] = _holder,
            ["leaseDurationSeconds"] = (long)_options.LeaseDuration.TotalSeconds,
            ["acquireTime"] = holder == _holder ? spec["acquireTime"]?.DeepClone() ?? MicroTime(now) : MicroTime(now),
            ["renewTime"] = MicroTime(now),
            ["leaseTransitions"] = holder == _holder ? transitions : transitions == int.MaxValue ? 0 : transitions + 1,
        };
        try
        {
            await _api.ReplaceAsync(ResourceType.Leases, _namespace, _name, next, cancellationToken).ConfigureAwait(false);
            Observe(null, now);
            return true;
        }
        catch (KubernetesApiException ex)
        {
            LogFailure(ex);
            return false;
        }
    }

    private async Task ReleaseAsync()
    {
        using var timeout = new CancellationTokenSource(_options.RenewDeadline);
        try
        {
            var lease = await _api.GetAsync(ResourceType.Leases, _namespace, _name, timeout.Token).ConfigureAwait(false);
            if (JsonRead.String(lease, "spec", "holderIdentity") != _holder)
            {
                return;
            }

            var next = (JsonObject)lease.DeepClone();
            var spec = (JsonObject)next["spec"]!;
            spec.Remove("holderIdentity");
            spec["leaseDurationSeconds"] = 1;
            spec["renewTime"] = MicroTime(_time.GetUtcNow());
            await _api.ReplaceAsync(ResourceType.Leases, _namespace, _name, next, timeout.Token).ConfigureAwait(false);
            Log.Released(_logger, _holder, _namespace, _name);
        }
        catch (Exception ex) when (ex is KubernetesApiException or OperationCanceledException)
        {
            Log.NotReleased(_logger, _holder, _namespace, _name, ex.Message);
        }
    }

    private void Observe(string? record, DateTimeOffset now)
    {
        _observedRecord = record;
        _observedAt = now;
    }

    private void LogFailure(KubernetesApiException ex)
    {
        if (!ex.IsConflict)
        {
            Log.LeaseCallFailed(_logger, _namespace, _name, ex.Reason, ex.Message);
        }
    }

    private JsonObject NewLease(DateTimeOffset now) => new()
    {
        ["apiVersion"] = "coordination.k8s.io/v1",
        ["kind"] = "Lease",
        ["metadata"] = new JsonObject { ["name"] = _name, ["namespace"] = _namespace },
        ["spec"] = new JsonObject
        {
            ["holderIdentity"] = _holder,
            ["leaseDurationSeconds"] = (long)_options.LeaseDuration.TotalSeconds,
            ["acquireTime"] = MicroTime(now),
            ["renewTime"] = MicroTime(now),
            ["leaseTransitions"] = 0,
        },
    };

    private static string MicroTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
