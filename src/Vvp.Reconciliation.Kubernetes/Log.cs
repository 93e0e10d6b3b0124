using Microsoft.Extensions.Logging;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>The controller's log messages. None of them takes a token.</summary>
internal static partial class Log
{
    [LoggerMessage(101, LogLevel.Warning, "The lock of namespace {Namespace} could not be claimed yet ({Reason}: {Message}); trying again in {Delay} s.")]
    public static partial void LockNotClaimedYet(ILogger logger, string? @namespace, string? reason, string? message, double delay);

    [LoggerMessage(102, LogLevel.Critical, "{Message}")]
    public static partial void NamespacesRefused(ILogger logger, string? message);

    [LoggerMessage(103, LogLevel.Information, "The operator '{Identity}' owns the namespaces {Namespaces}.")]
    public static partial void NamespacesOwned(ILogger logger, string? identity, string? @namespaces);

    [LoggerMessage(104, LogLevel.Debug, "{Namespace}/{Name} changed meanwhile (409); it is read again and re-queued.")]
    public static partial void Conflict(ILogger logger, string? @namespace, string? name);

    [LoggerMessage(105, LogLevel.Debug, "{Namespace}/{Name} is gone (404).")]
    public static partial void Gone(ILogger logger, string? @namespace, string? name);

    [LoggerMessage(106, LogLevel.Warning, "{Namespace}/{Name}: a Kubernetes call failed ({Reason}: {Message}); retrying in {Delay} s.")]
    public static partial void KubernetesCallFailed(ILogger logger, string? @namespace, string? name, string? reason, string? message, double delay);

    [LoggerMessage(107, LogLevel.Information, "{Namespace}/{Name}: the reconcile was stopped by the shutdown.")]
    public static partial void StoppedByShutdown(ILogger logger, string? @namespace, string? name);

    [LoggerMessage(108, LogLevel.Error, "{Namespace}/{Name}: the reconcile failed unexpectedly; retrying in {Delay} s.")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception, string? @namespace, string? name, double delay);

    [LoggerMessage(109, LogLevel.Information, "{Namespace}/{Name}: {Action} (resourceVersion {ResourceVersion}).")]
    public static partial void Wrote(ILogger logger, string? @namespace, string? name, string? action, string? resourceVersion);

    [LoggerMessage(110, LogLevel.Error, "A controller {What} stopped unexpectedly.")]
    public static partial void LoopFailed(ILogger logger, Exception exception, string? what);

    [LoggerMessage(111, LogLevel.Warning, "The event {Reason} for {Namespace}/{Name} could not be recorded: {Message}")]
    public static partial void EventNotRecorded(ILogger logger, string? reason, string? @namespace, string? name, string? message);

    [LoggerMessage(112, LogLevel.Warning, "The event {Event} in {Namespace} could not be updated: {Message}")]
    public static partial void EventNotUpdated(ILogger logger, string? @event, string? @namespace, string? message);

    [LoggerMessage(113, LogLevel.Information, "The watch of {Resource} in {Namespace} is too old ({Message}); listing again.")]
    public static partial void WatchTooOld(ILogger logger, string? resource, string? @namespace, string? message);

    [LoggerMessage(114, LogLevel.Warning, "Watching {Resource} in {Namespace} failed ({Reason}: {Message}); listing again in {Delay} s.")]
    public static partial void WatchFailed(ILogger logger, string? resource, string? @namespace, string? reason, string? message, double delay);

    [LoggerMessage(115, LogLevel.Information, "{Holder} leads (lease {Namespace}/{Lease}).")]
    public static partial void Leads(ILogger logger, string? holder, string? @namespace, string? lease);

    [LoggerMessage(116, LogLevel.Warning, "{Holder} stopped leading (lease {Namespace}/{Lease}); it will try to lead again.")]
    public static partial void StoppedLeading(ILogger logger, string? holder, string? @namespace, string? lease);

    [LoggerMessage(117, LogLevel.Warning, "{Holder} could not renew its lease within {Deadline} s.")]
    public static partial void RenewFailed(ILogger logger, string? holder, double deadline);

    [LoggerMessage(118, LogLevel.Information, "{Holder} released its lease {Namespace}/{Lease}.")]
    public static partial void Released(ILogger logger, string? holder, string? @namespace, string? lease);

    [LoggerMessage(119, LogLevel.Warning, "{Holder} could not release its lease {Namespace}/{Lease}: {Message}; it lapses after its duration.")]
    public static partial void NotReleased(ILogger logger, string? holder, string? @namespace, string? lease, string? message);

    [LoggerMessage(120, LogLevel.Warning, "The lease {Namespace}/{Lease} could not be read or written: {Reason}: {Message}")]
    public static partial void LeaseCallFailed(ILogger logger, string? @namespace, string? lease, string? reason, string? message);

    [LoggerMessage(121, LogLevel.Information, "The Kubernetes operator is disabled (vvp.k8sOperator.enabled is false).")]
    public static partial void Disabled(ILogger logger);

    [LoggerMessage(122, LogLevel.Information, "The Kubernetes operator stopped.")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(123, LogLevel.Warning, "Listing {Resource} in {Namespace}: {Problems}. The rest is used.")]
    public static partial void ItemsLeftOut(ILogger logger, string resource, string @namespace, string problems);

    [LoggerMessage(124, LogLevel.Warning, "shutdownGrace ({Grace} s) is longer than leaseDuration - retryPeriod ({Cap} s): after SIGTERM in-flight reconciles get {Cap} s, so that they end before another replica may take the lease.")]
    public static partial void GraceCapped(ILogger logger, double grace, double cap);

    [LoggerMessage(125, LogLevel.Warning, "The resync's LIST of platform namespace {Namespace} failed ({Kind}: {Reason}); this resync reads its deployments with a GET each.")]
    public static partial void ListFailed(ILogger logger, string @namespace, string kind, string reason);
}
