using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vvp.Reconciliation.Operator;

/// <summary>
/// The validating admission webhook's settings, under <c>vvp:webhook</c>: <c>enabled</c> (default false),
/// <c>url</c> (the HTTPS address it listens on, default <c>https://0.0.0.0:9443</c>), <c>certFile</c> and
/// <c>keyFile</c> (PEM; default controller-runtime's <c>/tmp/k8s-webhook-server/serving-certs/tls.crt</c> and
/// <c>tls.key</c>, where the chart mounts the certificate's Secret).
/// </summary>
internal sealed record WebhookSettings(bool Enabled, Uri Url, string CertFile, string KeyFile)
{
    /// <summary>The path the API server posts its <c>AdmissionReview</c>s to.</summary>
    public const string Path = "/validate-vvpdeployment";

    private const string CertificateDirectory = "/tmp/k8s-webhook-server/serving-certs";

    /// <summary>The setting names under <c>vvp:webhook</c>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["enabled", "url", "certFile", "keyFile"];

    /// <summary>Reads the settings; every invalid one is named by its key.</summary>
    /// <param name="section">The <c>vvp:webhook</c> section.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="ArgumentException">A setting is invalid.</exception>
    public static WebhookSettings Read(IConfiguration section)
    {
        var problems = new List<string>();
        var enabled = false;
        if (section["enabled"] is { Length: > 0 } text && !bool.TryParse(text, out enabled))
        {
            problems.Add($"vvp:webhook:enabled = '{text}' is not true or false.");
        }

        var urlText = section["url"] is { Length: > 0 } u ? u : "https://0.0.0.0:9443";
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps || url.AbsolutePath != "/")
        {
            problems.Add($"vvp:webhook:url = '{urlText}' must be an https:// address without a path (the API server calls webhooks over HTTPS only).");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems));
        }

        return new WebhookSettings(
            enabled,
            url!,
            section["certFile"] is { Length: > 0 } cert ? cert : System.IO.Path.Combine(CertificateDirectory, "tls.crt"),
            section["keyFile"] is { Length: > 0 } key ? key : System.IO.Path.Combine(CertificateDirectory, "tls.key"));
    }
}

/// <summary>
/// The webhook's serving certificate, read from PEM files and read again when either file changes (cert-manager
/// renews it in place), so a renewal needs no restart. A renewal that cannot be read leaves the last good one in use.
/// </summary>
internal sealed class ServingCertificate : IDisposable
{
    private readonly string _certFile;
    private readonly string _keyFile;
    private readonly object _gate = new();
    private X509Certificate2 _current;
    private (DateTime Cert, DateTime Key) _stamps;

    private ServingCertificate(string certFile, string keyFile, X509Certificate2 current, (DateTime, DateTime) stamps)
    {
        _certFile = certFile;
        _keyFile = keyFile;
        _current = current;
        _stamps = stamps;
    }

    /// <summary>Reads the certificate and its key.</summary>
    /// <param name="certFile">The certificate (PEM), with its chain after it.</param>
    /// <param name="keyFile">The private key (PEM).</param>
    /// <returns>The certificate.</returns>
    /// <exception cref="ArgumentException">The files cannot be read as a certificate and its key; the message names the settings.</exception>
    public static ServingCertificate Load(string certFile, string keyFile)
    {
        var stamps = Stamps(certFile, keyFile);
        try
        {
            return new ServingCertificate(certFile, keyFile, Read(certFile, keyFile), stamps);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"vvp:webhook:certFile '{certFile}' and vvp:webhook:keyFile '{keyFile}' are not a PEM certificate and its key: {ex.Message}", ex);
        }
    }

    /// <summary>The certificate to present now.</summary>
    public X509Certificate2 Current
    {
        get
        {
            var stamps = Stamps(_certFile, _keyFile);
            lock (_gate)
            {
                if (stamps != _stamps)
                {
                    try
                    {
                        var next = Read(_certFile, _keyFile);
                        _current = next;
                        _stamps = stamps;
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
                    {
                        // Half-written during a renewal, or bad: the last good certificate stays until the files read well.
                    }
                }

                return _current;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _current.Dispose();

    private static X509Certificate2 Read(string certFile, string keyFile) => X509Certificate2.CreateFromPemFile(certFile, keyFile);

    private static (DateTime, DateTime) Stamps(string certFile, string keyFile) => (File.GetLastWriteTimeUtc(certFile), File.GetLastWriteTimeUtc(keyFile));
}
