using Microsoft.Extensions.Logging;

namespace Vvp.Reconciliation.Reconciling;

/// <summary>The reconciler's log messages. None of them takes a token.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Reconciling {CrNamespace}/{CrName} -> {Target}")]
    public static partial void Reconciling(ILogger logger, string crNamespace, string? crName, string? target);

    [LoggerMessage(2, LogLevel.Debug, "Ignoring {CrNamespace}/{CrName}: the namespace is not watched")]
    public static partial void NotWatched(ILogger logger, string crNamespace, string? crName);

    [LoggerMessage(3, LogLevel.Information, "Planned {Action} ({Reason}) for {Target}")]
    public static partial void Planned(ILogger logger, string action, string reason, string? target);

    // A reconcile that finds nothing to do is the common case: Debug, so that Information shows only what changes.
    [LoggerMessage(9, LogLevel.Debug, "Planned {Action} ({Reason}) for {Target}")]
    public static partial void PlannedNothing(ILogger logger, string action, string reason, string? target);

    [LoggerMessage(4, LogLevel.Information, "{Write} {Target}: resource version {ResourceVersion}")]
    public static partial void Wrote(ILogger logger, string write, string target, string? resourceVersion);

    [LoggerMessage(5, LogLevel.Warning, "{Target}: {Kind} failure: {Message}")]
    public static partial void PlatformFailure(ILogger logger, string target, string kind, string message);

    [LoggerMessage(6, LogLevel.Warning, "{CrNamespace}/{CrName}: {Message}")]
    public static partial void Warning(ILogger logger, string crNamespace, string? crName, string message);

    [LoggerMessage(7, LogLevel.Information, "{Target}: initial savepoint {Location} registered")]
    public static partial void SavepointRegistered(ILogger logger, string target, string location);

    [LoggerMessage(8, LogLevel.Debug, "{Target}: retrying after a transient failure in {Delay}")]
    public static partial void Retrying(ILogger logger, string target, TimeSpan delay);
}
