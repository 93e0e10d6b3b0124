using k8s;
using KubernetesOperator;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Reconciling;

// A Kubernetes operator for VvpDeployment CRs, configured from the environment:
//   VVP_PLATFORM_URL          the platform, e.g. https://vvp.example.com/ (required)
//   VVP_OPERATOR_IDENTITY     this instance's identity (default vvp-1)
//   VVP_WATCHED_NAMESPACES    comma-separated Kubernetes namespaces (required)
//   VVP_AUTH_REQUIRED         true when the platform requires API tokens
//   VVP_DELETION_POLICY       Orphan (default), Cancel or Delete
// It runs in the cluster (service account) or against the current kubeconfig context.
var platformUrl = Environment.GetEnvironmentVariable("VVP_PLATFORM_URL");
var watched = (Environment.GetEnvironmentVariable("VVP_WATCHED_NAMESPACES") ?? string.Empty)
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
if (platformUrl is null || watched.Length == 0)
{
    Console.Error.WriteLine("Set VVP_PLATFORM_URL and VVP_WATCHED_NAMESPACES.");
    return 2;
}

var options = new ReconcilerOptions
{
    Identity = Environment.GetEnvironmentVariable("VVP_OPERATOR_IDENTITY") ?? "vvp-1",
    AuthenticationRequired = string.Equals(Environment.GetEnvironmentVariable("VVP_AUTH_REQUIRED"), "true", StringComparison.OrdinalIgnoreCase),
    DeletionPolicy = Enum.TryParse<DeletionPolicy>(Environment.GetEnvironmentVariable("VVP_DELETION_POLICY"), ignoreCase: true, out var policy) ? policy : DeletionPolicy.Orphan,
};
foreach (var ns in watched)
{
    options.WatchedNamespaces.Add(ns);
}

try
{
    options.Validate();
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

using var kubernetes = new Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig());
var (platform, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = new Uri(platformUrl) });
using var httpClient = http;
var reconciler = new VvpDeploymentReconciler(platform, options, new KubernetesSecretReader(kubernetes));

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (sender, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    await Task.WhenAll(watched.Select(ns => new NamespaceOperator(kubernetes, reconciler, options, ns).RunAsync(stop.Token)));
}
catch (OperationCanceledException)
{
    // Stopped.
}

return 0;
