namespace Vvp.Reconciliation.Operator;

/// <summary>
/// What a program that embeds the operator host gives it beyond the command line: settings that come first (the
/// command line and the environment still win), the Kubernetes client to use, the address to listen on when none is
/// given, and a line to log once started. The operator process itself needs none of it.
/// </summary>
/// <param name="Settings">Configuration defaults, e.g. <c>vvp:k8sOperator:watchedNamespaces</c>.</param>
/// <param name="Kubernetes">The Kubernetes client.</param>
/// <param name="DefaultUrls">Where to listen when <c>--urls</c> is not given.</param>
/// <param name="Description">Logged once the host has started.</param>
/// <param name="DefaultMetricsUrl">Where to serve <c>/metrics</c> when <c>vvp:metrics:url</c> is not given.</param>
internal sealed record OperatorEnvironment(IReadOnlyDictionary<string, string?> Settings, k8s.Kubernetes Kubernetes, string DefaultUrls, string Description, string DefaultMetricsUrl = "http://127.0.0.1:8081");
