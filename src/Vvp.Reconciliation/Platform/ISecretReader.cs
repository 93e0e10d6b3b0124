namespace Vvp.Reconciliation.Platform;

/// <summary>Reads one key of a Kubernetes Secret; the host provides it (a Kubernetes client, a file, a test double).</summary>
public interface ISecretReader
{
    /// <summary>Reads <paramref name="key"/> of the Secret <paramref name="secretName"/> in <paramref name="kubernetesNamespace"/>.</summary>
    /// <param name="kubernetesNamespace">The Kubernetes namespace of the Secret (the CR's own).</param>
    /// <param name="secretName">The Secret's name.</param>
    /// <param name="key">The data key.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The value's bytes as stored, or <see langword="null"/> when the Secret or the key does not exist.</returns>
    Task<byte[]?> ReadAsync(string kubernetesNamespace, string secretName, string key, CancellationToken cancellationToken);
}
