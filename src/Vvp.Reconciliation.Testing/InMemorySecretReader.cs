using System.Collections.Concurrent;
using System.Text;
using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Testing;

/// <summary>
/// Kubernetes Secrets held in memory, for tests and examples: what <see cref="ISecretReader"/> would read from
/// <c>Secret/&lt;name&gt;</c> in a namespace, key by key.
/// </summary>
/// <example>
/// <code>
/// var secrets = new InMemorySecretReader();
/// secrets.Set("vvp-jobs", "vvp-api-token", "apikey", "my-token");
/// </code>
/// </example>
public sealed class InMemorySecretReader : ISecretReader
{
    private readonly ConcurrentDictionary<(string Namespace, string Name, string Key), byte[]> _values = new();

    /// <summary>Stores a value (UTF-8), replacing one stored before.</summary>
    /// <param name="kubernetesNamespace">The Secret's namespace.</param>
    /// <param name="secretName">The Secret's name.</param>
    /// <param name="key">The key in the Secret's data.</param>
    /// <param name="value">The value, as <c>kubectl create secret --from-literal</c> would store it.</param>
    public void Set(string kubernetesNamespace, string secretName, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Set(kubernetesNamespace, secretName, key, Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Stores a value as bytes, replacing one stored before.</summary>
    /// <param name="kubernetesNamespace">The Secret's namespace.</param>
    /// <param name="secretName">The Secret's name.</param>
    /// <param name="key">The key in the Secret's data.</param>
    /// <param name="value">The bytes.</param>
    public void Set(string kubernetesNamespace, string secretName, string key, byte[] value)
    {
        ArgumentException.ThrowIfNullOrEmpty(kubernetesNamespace);
        ArgumentException.ThrowIfNullOrEmpty(secretName);
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        _values[(kubernetesNamespace, secretName, key)] = [.. value];
    }

    /// <summary>Removes a whole Secret.</summary>
    /// <param name="kubernetesNamespace">The Secret's namespace.</param>
    /// <param name="secretName">The Secret's name.</param>
    /// <returns>Whether anything was removed.</returns>
    public bool Remove(string kubernetesNamespace, string secretName)
    {
        var removed = false;
        foreach (var entry in _values.Keys.Where(k => k.Namespace == kubernetesNamespace && k.Name == secretName))
        {
            removed |= _values.TryRemove(entry, out _);
        }

        return removed;
    }

    /// <inheritdoc />
    public Task<byte[]?> ReadAsync(string kubernetesNamespace, string secretName, string key, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_values.TryGetValue((kubernetesNamespace, secretName, key), out var value) ? (byte[]?)[.. value] : null);
    }
}
