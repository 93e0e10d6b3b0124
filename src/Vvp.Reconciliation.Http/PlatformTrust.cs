using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vvp.Reconciliation.Http;

/// <summary>
/// The transport to the platform: a <see cref="SocketsHttpHandler"/> that follows no redirect itself and, with
/// <see cref="VvpPlatformClientOptions.CaFile"/>, trusts the certificate authorities of that PEM file beside the system's
/// (a platform behind a private CA). Only a chain that fails to reach a trusted root is judged again against them; a
/// certificate for another name, or an expired one, stays refused.
/// </summary>
internal static class PlatformTrust
{
    public static SocketsHttpHandler CreateHandler(VvpPlatformClientOptions options)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false };
        if (options.CaFile is { Length: > 0 } file)
        {
            var authorities = Load(file);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Validate(authorities, certificate, chain, errors);
        }

        return handler;
    }

    /// <summary>Reads the certificates of a PEM file.</summary>
    /// <exception cref="ArgumentException">The file cannot be read or holds no certificate; the message names the file.</exception>
    public static X509Certificate2Collection Load(string file)
    {
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ArgumentException($"caFile '{file}' cannot be read as PEM certificates: {ex.Message}", ex);
        }

        if (authorities.Count == 0)
        {
            throw new ArgumentException($"caFile '{file}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
        }

        return authorities;
    }

    private static bool Validate(X509Certificate2Collection authorities, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is null)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(authorities);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            // The intermediates the server sent.
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var leaf = new X509Certificate2(certificate);
        return custom.Build(leaf);
    }
}
