namespace Vvp.Reconciliation.Operator;

/// <summary>The operator process's own log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(201, LogLevel.Information, "{Description} The operator at {Urls} (/healthz, /readyz, /metrics).")]
    public static partial void Embedded(ILogger logger, string description, string urls);

    [LoggerMessage(202, LogLevel.Information, "Admission refused VvpDeployment {Key}: {Problems}")]
    public static partial void Refused(ILogger logger, string key, string problems);

    [LoggerMessage(203, LogLevel.Warning, "Admission could not read a review: {Problem}")]
    public static partial void ReviewUnreadable(ILogger logger, string problem);
}
