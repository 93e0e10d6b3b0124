using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Kubernetes.Testing;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>The <c>vvp-operator</c> program as a process, as a platform team runs it.</summary>
public sealed class OperatorProcessTests
{
    [Fact]
    public async Task Local_mode_reconciles_the_example_CR_serves_health_and_metrics_and_stops_cleanly_on_SIGTERM()
    {
        var port = FreePort();
        using var process = Start(null, "--local", "--urls", $"http://127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        try
        {
            await Until(async () => (await Get(http, "readyz")).Status == HttpStatusCode.OK, "the operator is ready");
            await Until(async () => Reconciles(await Get(http, "metrics")) >= 1, "the reconcile counter moved");
            (await Get(http, "healthz")).Status.Should().Be(HttpStatusCode.OK);
            var metrics = (await Get(http, "metrics")).Body;
            metrics.Should().Contain("vvp_reconciliation_kubernetes_vvp_operator_kubernetes_writes{kind=\"status\"}");
            metrics.Should().Contain("vvp_reconciliation_operator_vvp_operator_platform_calls{operation=\"create\",outcome=\"success\"} 1");
            metrics.Should().Contain("vvp_reconciliation_kubernetes_vvp_operator_queue_depth");

            var stopwatch = Stopwatch.StartNew();
            Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]).WaitForExit();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

            process.ExitCode.Should().Be(0);
            stopwatch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(25), "the default grace is 20 s");
            var output = await process.StandardOutput.ReadToEndAsync();
            output.Should().Contain("vvp-jobs/test-cr: status updated").And.Contain("released its lease");
            (await process.StandardError.ReadToEndAsync()).Should().NotContain("Unhandled exception");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Theory]
    [InlineData("--vvp:k8sOperator:deletionPolicy=Delet", "vvp:k8sOperator:deletionPolicy = 'Delet' is not one of Orphan, Cancel, Delete")]
    [InlineData("--vvp:platform:baseAddress=http://vvp.example.com/", "AllowInsecureHttp")]
    [InlineData("--vvp:k8sOperator:watchedNamespaces=Jobs", "'Jobs' is not a Kubernetes namespace name")]
    public async Task Invalid_settings_exit_with_code_2_and_a_message_naming_the_setting(string setting, string message)
    {
        using var process = Start(null, "--local", "--urls", $"http://127.0.0.1:{FreePort()}", setting);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

        process.ExitCode.Should().Be(2);
        var error = await process.StandardError.ReadToEndAsync();
        error.Should().Contain(message).And.NotContain("Unhandled exception");
    }

    [Fact]
    public async Task A_namespace_owned_by_another_identity_exits_with_code_1_naming_the_owner()
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        await using var emulator = await PlatformEmulator.StartAsync();
        api.Create(ApiResource.ConfigMaps, "jobs", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "ververica-operator-leader-election" },
            ["data"] = new JsonObject { ["identity"] = "vvp-other" },
        });
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vvp-kubeconfig-{Guid.NewGuid():N}.yaml");
        api.WriteKubeconfig(kubeconfig);
        try
        {
            using var process = Start(
                kubeconfig,
                "--urls", $"http://127.0.0.1:{FreePort()}",
                "--vvp:k8sOperator:identity=vvp-1",
                "--vvp:k8sOperator:watchedNamespaces=jobs",
                $"--vvp:platform:baseAddress={emulator.BaseAddress}");
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            process.ExitCode.Should().Be(1);
            (await process.StandardError.ReadToEndAsync()).Should().Contain("namespace 'jobs' is owned by the operator 'vvp-other'");
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    private static Process Start(string? kubeconfig, params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "vvp-operator"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        if (kubeconfig is not null)
        {
            info.Environment["KUBECONFIG"] = kubeconfig;
        }

        info.Environment["KUBERNETES_SERVICE_HOST"] = null;
        return Process.Start(info)!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(HttpStatusCode Status, string Body)> Get(HttpClient http, string path)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException)
        {
            return (0, "");
        }
    }

    private static double Reconciles((HttpStatusCode Status, string Body) metrics) =>
        metrics.Body.Split('\n')
            .Where(l => l.StartsWith("vvp_reconciliation_vvp_reconciliation_reconciles{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting until {what}.");
            }

            await Task.Delay(100);
        }
    }
}
