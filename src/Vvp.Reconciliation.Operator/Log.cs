namespace Vvp.Reconciliation.Operator;

/// <summary>The operator process's own log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(201, LogLevel.Information, "{Description} The operator at {Urls} (/healthz, /readyz, /metrics).")]
    public static partial void Embedded(ILogger logger, string description, string urls);
}
