using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Reconciling;

/// <summary>The outcome of resolving a CR's API token.</summary>
/// <param name="Token">The token, or <see langword="null"/> (none needed, or none found).</param>
/// <param name="Failure">Why no usable token was found while one is needed; <see langword="null"/> otherwise.</param>
/// <param name="Warnings">Warnings for the CR's events (an inline token).</param>
internal sealed record CredentialResult(ApiToken? Token, string? Failure, IReadOnlyList<ReconcileEvent> Warnings)
{
    /// <summary>True when reconciling may go on.</summary>
    public bool IsUsable => Failure is null;
}

/// <summary>
/// Finds a CR's API token: the annotation <c>apikeySecretName</c> names a Secret in the CR's own
/// namespace whose key <c>apikey</c> holds it; else the annotation <c>apikey</c> holds it (accepted with a
/// warning). The token is trimmed of surrounding white space and never appears in a message.
/// </summary>
internal static class CredentialResolver
{
    /// <summary>The annotation naming the Secret.</summary>
    public const string SecretNameAnnotation = VvpDeploymentResource.ApiKeySecretNameAnnotation;

    /// <summary>The annotation holding the token inline.</summary>
    public const string InlineTokenAnnotation = "apikey";

    /// <summary>The Secret's data key.</summary>
    public const string SecretKey = "apikey";

    /// <summary>Resolves the token for <paramref name="resource"/>.</summary>
    /// <param name="resource">The CR.</param>
    /// <param name="secrets">Reads Secrets; <see langword="null"/> when the host provides none.</param>
    /// <param name="required">Whether the platform requires a token.</param>
    /// <param name="cancellationToken">Cancels the Secret read.</param>
    /// <returns>The token, or why there is none.</returns>
    public static async Task<CredentialResult> ResolveAsync(VvpDeploymentResource resource, ISecretReader? secrets, bool required, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var annotations = resource.Annotations;
        var ns = resource.KubernetesNamespace;
        if (annotations.TryGetValue(SecretNameAnnotation, out var secretName))
        {
            if (secrets is null)
            {
                return new CredentialResult(null, $"The CR names the Secret '{secretName}', but no Secret reader is configured.", []);
            }

            byte[]? bytes;
            try
            {
                bytes = await secrets.ReadAsync(ns, secretName, SecretKey, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return new CredentialResult(null, $"The Secret '{secretName}' in namespace '{ns}' could not be read: {ex.GetType().Name}.", []);
            }

            ApiToken? token;
            try
            {
                token = bytes is null ? null : ApiToken.FromBytes(bytes);
            }
            catch (FormatException ex)
            {
                return new CredentialResult(null, $"The Secret '{secretName}' in namespace '{ns}', key '{SecretKey}': {ex.Message}", []);
            }

            return token is null
                ? new CredentialResult(null, $"The Secret '{secretName}' in namespace '{ns}' does not exist, has no key '{SecretKey}', or holds an empty value.", [])
                : new CredentialResult(token, null, []);
        }

        if (annotations.TryGetValue(InlineTokenAnnotation, out var inline))
        {
            ApiToken? token;
            try
            {
                token = ApiToken.From(inline);
            }
            catch (FormatException ex)
            {
                return new CredentialResult(null, $"The annotation '{InlineTokenAnnotation}': {ex.Message}", []);
            }

            if (token is null)
            {
                return new CredentialResult(null, $"The annotation '{InlineTokenAnnotation}' is empty.", []);
            }

            return new CredentialResult(token, null, [ReconcileEvent.Warning(
                "InlineApiKey",
                $"The API token is taken from the CR's '{InlineTokenAnnotation}' annotation: anyone who can read the CR can read it. Prefer '{SecretNameAnnotation}' and a Secret.")]);
        }

        return required
            ? new CredentialResult(null, $"Platform authentication is enabled, but the CR names no token: set the annotation '{SecretNameAnnotation}' to a Secret in namespace '{ns}' with the key '{SecretKey}'.", [])
            : new CredentialResult(null, null, []);
    }
}
