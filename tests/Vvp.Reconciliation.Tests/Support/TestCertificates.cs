using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>
/// A CA and a serving certificate it signed for 127.0.0.1 and localhost, written as the chart's Secret mounts them
/// (<c>tls.crt</c>, <c>tls.key</c>), with the CA's PEM for a webhook configuration's <c>caBundle</c>.
/// </summary>
internal sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory, string caPem)
    {
        Directory = directory;
        CaPem = caPem;
    }

    public string Directory { get; }

    public string CaPem { get; }

    public string CertFile => Path.Combine(Directory, "tls.crt");

    public string KeyFile => Path.Combine(Directory, "tls.key");

    public static TestCertificates Create(string commonName = "vvp-operator-webhook")
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("vvp-webhook-certs-").FullName;
        var caPem = Issue(directory, commonName);
        return new TestCertificates(directory, caPem);
    }

    /// <summary>Writes a new serving certificate from a new CA over the files, as a renewal does; returns the new CA.</summary>
    public string Renew(string commonName = "vvp-operator-webhook-renewed") => Issue(Directory, commonName);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static string Issue(string directory, string commonName)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={commonName}-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leaf = request.Create(ca, now.AddHours(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(8));

        File.WriteAllText(Path.Combine(directory, "tls.key"), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(directory, "tls.crt"), leaf.ExportCertificatePem());
        return ca.ExportCertificatePem();
    }
}
