using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// Reads API tokens from the Secrets informers' caches: no GET per reconcile. The controller attaches its informers;
/// until then no Secret is known.
/// </summary>
internal sealed class SecretCache : ISecretReader
{
    private volatile IReadOnlyDictionary<string, Informer> _secretsByNamespace = new Dictionary<string, Informer>();

    /// <summary>Reads from these informers from now on.</summary>
    public void Attach(IReadOnlyDictionary<string, Informer> secretsByNamespace) => _secretsByNamespace = secretsByNamespace;

    public Task<byte[]?> ReadAsync(string kubernetesNamespace, string secretName, string key, CancellationToken cancellationToken)
    {
        if (!_secretsByNamespace.TryGetValue(kubernetesNamespace, out var informer) || !informer.TryGet(secretName, out var secret))
        {
            return Task.FromResult<byte[]?>(null);
        }

        if (JsonRead.String(secret, "data", key) is { } encoded)
        {
            try
            {
                return Task.FromResult<byte[]?>(Convert.FromBase64String(encoded));
            }
            catch (FormatException)
            {
                return Task.FromException<byte[]?>(new FormatException($"The Secret's key '{key}' is not base64."));
            }
        }

        // stringData is write-only in a real API server; a stand-in or a test may still hand it over.
        return Task.FromResult(JsonRead.String(secret, "stringData", key) is { } text ? System.Text.Encoding.UTF8.GetBytes(text) : null);
    }
}
