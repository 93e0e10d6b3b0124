using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>
/// <c>../shared/tools/kube-fake-api.py</c>: discovery and the API's OpenAPI schema (Kubernetes 1.13's, with the CRDs
/// given), so that <c>kubectl apply --dry-run=client --validate=strict</c> checks manifests field by field as against a
/// cluster. Its protobuf converter (<c>swagger2proto</c>) is the one <c>.ci/run</c> builds (<c>VVP_SWAGGER2PROTO</c>),
/// or is built here once where Go and Debian's gnostic packages are at hand; otherwise the test skips with the
/// reason, and under <c>CI=true</c> fails.
/// </summary>
internal sealed class KubeSchemaApi : IAsyncDisposable
{
    private static readonly Lazy<string?> LazyConverter = new(FindConverter);
    private readonly Process _process;

    private KubeSchemaApi(Process process, string kubeconfig)
    {
        _process = process;
        Kubeconfig = kubeconfig;
    }

    /// <summary>A kubeconfig pointing at it.</summary>
    public string Kubeconfig { get; }

    public static async Task<KubeSchemaApi> StartAsync(params string[] crds)
    {
        Kubectl.Require();
        var converter = LazyConverter.Value;
        var script = SharedFolder.Root is { } shared ? Path.Combine(shared, "tools", "kube-fake-api.py") : null;
        if (converter is null || script is null || !File.Exists(script))
        {
            SharedFolder.IsCi.Should().BeFalse("under CI=true .ci/run builds swagger2proto (VVP_SWAGGER2PROTO) and ../shared is beside the repository");
            Skip.If(true, "kube-fake-api.py or its swagger2proto is not at hand (.ci/run installs golang-github-googleapis-gnostic-dev and builds it).");
        }

        var port = FreePort();
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script!, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--swagger2proto", converter! }.Concat(crds.SelectMany(c => new[] { "--crd", c })))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/version"));
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                throw new TimeoutException("kube-fake-api.py did not answer /version within 60 s.");
            }

            await Task.Delay(100);
        }

        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vvp-schema-api-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(kubeconfig, string.Join('\n',
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: schema",
            "  cluster:",
            $"    server: http://127.0.0.1:{port}",
            "contexts:",
            "- name: schema",
            "  context:",
            "    cluster: schema",
            "    user: none",
            "users:",
            "- name: none",
            "  user: {}",
            "current-context: schema",
            string.Empty));
        return new KubeSchemaApi(process, kubeconfig);
    }

    /// <summary><c>kubectl apply --dry-run=client --validate=strict -f</c> of <paramref name="manifests"/> (YAML).</summary>
    public async Task<(int Exit, string Stdout, string Stderr)> ValidateStrictAsync(string manifests)
    {
        var file = Path.Combine(Path.GetTempPath(), $"vvp-manifests-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, manifests);
        try
        {
            return await Kubectl.RunAsync(Kubeconfig, TimeSpan.FromSeconds(60), "apply", "--dry-run=client", "--validate=strict", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        File.Delete(Kubeconfig);
    }

    private static string? FindConverter()
    {
        if (Environment.GetEnvironmentVariable("VVP_SWAGGER2PROTO") is { Length: > 0 } given && File.Exists(given))
        {
            return given;
        }

        var go = ExecutablePath.Find("go");
        if (go is null || SharedFolder.Root is not { } shared || !Directory.Exists("/usr/share/gocode/src/github.com/googleapis/gnostic"))
        {
            return null;
        }

        var output = Path.Combine(Directory.CreateTempSubdirectory("vvp-swagger2proto-").FullName, "swagger2proto");
        var info = new ProcessStartInfo(go, ["build", "-o", output, "."])
        {
            WorkingDirectory = Path.Combine(shared, "tools", "swagger2proto"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["GO111MODULE"] = "off";
        info.Environment["GOPATH"] = "/usr/share/gocode";
        info.Environment["GOCACHE"] = Path.Combine(Path.GetTempPath(), "vvp-go-cache");
        using var build = Process.Start(info)!;
        build.StandardOutput.ReadToEnd();
        build.StandardError.ReadToEnd();
        build.WaitForExit();
        return build.ExitCode == 0 && File.Exists(output) ? output : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
