using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Http;

/// <summary>
/// A platform behind a private CA: the emulator behind an HTTPS front whose certificate a CA of the test's own signed.
/// The adapter trusts it only through <see cref="VvpPlatformClientOptions.CaFile"/>.
/// </summary>
public sealed class PrivateCaTests : IAsyncLifetime, IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create("vvp-platform");
    private readonly string _caFile;
    private PlatformEmulator _emulator = null!;
    private WebApplication _front = null!;
    private Uri _address = null!;

    public PrivateCaTests()
    {
        _caFile = Path.Combine(_certificates.Directory, "ca.crt");
        File.WriteAllText(_caFile, _certificates.CaPem);
    }

    public async Task InitializeAsync()
    {
        _emulator = await PlatformEmulator.StartAsync();
        var certificate = X509Certificate2.CreateFromPemFile(_certificates.CertFile, _certificates.KeyFile);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        _front = builder.Build();
        var backend = new HttpClient { BaseAddress = _emulator.BaseAddress };
        // Forwards each request to the emulator as it came.
        _front.Run(async context =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
            if (context.Request.ContentLength > 0 || context.Request.Headers.ContainsKey("Transfer-Encoding"))
            {
                request.Content = new StreamContent(context.Request.Body);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
            }

            using var response = await backend.SendAsync(request, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        await _front.StartAsync();
        _address = new Uri(_front.Urls.Single().Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/");
    }

    public async Task DisposeAsync()
    {
        await _front.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task With_caFile_the_adapter_trusts_the_platforms_private_CA_and_reads_over_HTTPS()
    {
        var platform = Client(_caFile);

        (await platform.GetDeploymentAsync("default", "absent", null, CancellationToken.None)).Should().BeNull("the emulator answered 404 through the HTTPS front");
        var created = await platform.CreateDeploymentAsync("default", Deployment("over-tls"), null, CancellationToken.None);
        created["metadata"]!["name"]!.GetValue<string>().Should().Be("over-tls");
    }

    [Fact]
    public async Task Without_caFile_or_with_another_CA_the_certificate_is_refused()
    {
        var otherCa = Path.Combine(_certificates.Directory, "other-ca.crt");
        using (var other = TestCertificates.Create("someone-else"))
        {
            File.WriteAllText(otherCa, other.CaPem);
        }

        foreach (var caFile in new[] { null, otherCa })
        {
            var act = () => Client(caFile).GetDeploymentAsync("default", "absent", null, CancellationToken.None);
            (await act.Should().ThrowAsync<PlatformException>()).Which.ToString().Should().MatchRegex("(?i)ssl|certificate", caFile ?? "the system's roots only");
        }

        _emulator.Exchanges.Should().BeEmpty("nothing reached the platform over a refused connection");
    }

    [Fact]
    public void A_caFile_that_is_not_PEM_is_named_by_its_setting()
    {
        var notPem = Path.Combine(_certificates.Directory, "not.pem");
        File.WriteAllText(notPem, "hello");
        var options = new VvpPlatformClientOptions { BaseAddress = new Uri("https://vvp.example.com/"), CaFile = notPem };

        options.Problems("vvp.platform.").Should().ContainSingle().Which.Should().StartWith($"vvp.platform.caFile '{notPem}' holds no PEM certificate");
        new VvpPlatformClientOptions { BaseAddress = new Uri("https://vvp.example.com/"), CaFile = _caFile }.Problems().Should().BeEmpty("the positive control: a PEM CA passes");
    }

    private IPlatformClient Client(string? caFile)
    {
        var services = new ServiceCollection();
        services.AddVvpPlatformClient(o =>
        {
            o.BaseAddress = _address;
            o.CaFile = caFile;
            o.RequestTimeout = TimeSpan.FromSeconds(10);
        });
        return services.BuildServiceProvider().GetRequiredService<IPlatformClient>();
    }

    private static System.Text.Json.Nodes.JsonObject Deployment(string name) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Deployment",
        ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new System.Text.Json.Nodes.JsonObject
        {
            ["state"] = "RUNNING",
            ["deploymentTargetName"] = "default",
            ["template"] = new System.Text.Json.Nodes.JsonObject { ["spec"] = new System.Text.Json.Nodes.JsonObject { ["artifact"] = new System.Text.Json.Nodes.JsonObject { ["kind"] = "JAR", ["jarUri"] = "file:///job.jar" } } },
        },
    };
}
