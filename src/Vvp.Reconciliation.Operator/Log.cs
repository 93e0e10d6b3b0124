namespace Vvp.Reconciliation.Operator;

/// <summary>The operator process's own log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(201, LogLevel.Information, "Local mode: the Kubernetes API stand-in at {KubernetesApi}, the platform emulator at {Platform}, the operator at {Urls} (/healthz, /readyz, /metrics). The example CR test-cr is applied in namespace {Namespace}.")]
    public static partial void LocalMode(ILogger logger, string kubernetesApi, string platform, string urls, string @namespace);
}
