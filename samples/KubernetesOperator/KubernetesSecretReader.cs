using System.Net;
using k8s;
using k8s.Autorest;
using Vvp.Reconciliation.Platform;

namespace KubernetesOperator;

/// <summary>Reads API tokens from Kubernetes Secrets in the CR's own namespace.</summary>
internal sealed class KubernetesSecretReader(IKubernetes client) : ISecretReader
{
    public async Task<byte[]?> ReadAsync(string kubernetesNamespace, string secretName, string key, CancellationToken cancellationToken)
    {
        try
        {
            var secret = await client.CoreV1.ReadNamespacedSecretAsync(secretName, kubernetesNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return secret.Data is { } data && data.TryGetValue(key, out var value) ? value : null;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
