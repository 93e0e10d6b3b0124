using System.Text.Json.Nodes;
using k8s;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Operator;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.LocalOperator;

/// <summary>
/// The whole thing on one machine: a Kubernetes API stand-in and the platform emulator start in this process, the
/// documentation's example CR is applied to the namespace <c>vvp-jobs</c>, and the operator runs against both, so a
/// newcomer sees it reconcile without a cluster.
/// </summary>
internal sealed class LocalEnvironment : IAsyncDisposable
{
    public const string Namespace = "vvp-jobs";

    private LocalEnvironment(KubernetesApiStandIn api, PlatformEmulator emulator, k8s.Kubernetes kubernetes)
    {
        Api = api;
        Emulator = emulator;
        Kubernetes = kubernetes;
    }

    public KubernetesApiStandIn Api { get; }

    public PlatformEmulator Emulator { get; }

    public k8s.Kubernetes Kubernetes { get; }

    /// <summary>What the operator host needs to run against the local stand-ins.</summary>
    public OperatorEnvironment ForOperator => new(
        Settings,
        Kubernetes,
        DefaultUrls: "http://127.0.0.1:8080",
        Description: $"Local mode: the Kubernetes API stand-in at {Api.BaseAddress}, the platform emulator at {Emulator.BaseAddress}, the example CR in the namespace {Namespace}.");

    /// <summary>The settings that point the operator at the local stand-ins.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["vvp:k8sOperator:enabled"] = "true",
        ["vvp:k8sOperator:identity"] = "vvp-1",
        ["vvp:k8sOperator:watchedNamespaces"] = Namespace,
        ["vvp:k8sOperator:holderIdentity"] = "local",
        ["vvp:k8sOperator:resyncPeriod"] = "30",
        ["vvp:platform:baseAddress"] = Emulator.BaseAddress.ToString(),
    };

    public static async Task<LocalEnvironment> StartAsync(CancellationToken cancellationToken)
    {
        var api = await KubernetesApiStandIn.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var emulator = await PlatformEmulator.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vvp-operator-local-{Environment.ProcessId}.yaml");
        api.WriteKubeconfig(kubeconfig);
        var kubernetes = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        File.Delete(kubeconfig);
        var cr = (JsonObject)ResourceReader.Read(ExampleResources.TestCrYaml).Document!;
        api.Create(ApiResource.VvpDeployments, Namespace, cr);
        return new LocalEnvironment(api, emulator, kubernetes);
    }

    public async ValueTask DisposeAsync()
    {
        Kubernetes.Dispose();
        await Emulator.DisposeAsync().ConfigureAwait(false);
        await Api.DisposeAsync().ConfigureAwait(false);
    }
}
