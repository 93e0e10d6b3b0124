using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Vvp.Reconciliation.Stress;

namespace Vvp.Reconciliation.Tests.Security;

/// <summary>
/// The <c>vvp-emulator</c> program as a process: a clean stop on SIGTERM, a clear error for a busy port, no record of
/// its requests kept while it serves.
/// </summary>
public sealed class EmulatorProcessTests
{
    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "vvp-emulator"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    [Fact]
    public async Task SIGTERM_stops_the_emulator_cleanly_with_exit_code_0()
    {
        using var process = Start("--port", "0");
        var address = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        address.Should().StartWith("http://127.0.0.1:");

        Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]).WaitForExit();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        process.ExitCode.Should().Be(0);
        (await process.StandardError.ReadToEndAsync()).Should().NotContain("Unhandled exception");
    }

    [Fact]
    public async Task Serving_requests_keeps_no_record_of_them_so_its_memory_does_not_grow_with_the_requests()
    {
        using var process = Start("--port", "0");
        try
        {
            var address = new Uri(await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) ?? string.Empty);
            using var http = new HttpClient { BaseAddress = address };
            // Each request carries a header of 16,000 characters of its own: a record of every request's headers would
            // keep 320 MB.
            var filler = new string('t', 16_000);
            async Task<int> ReadAsync(int requests)
            {
                var absent = 0;
                var next = 0;
                await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
                {
                    while (Interlocked.Increment(ref next) <= requests)
                    {
                        var name = $"job-{next}";
                        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"api/v1/namespaces/default/deployments/{name}", UriKind.Relative));
                        request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {name}{filler}");
                        using var answer = await http.SendAsync(request);
                        if (answer.StatusCode == HttpStatusCode.NotFound)
                        {
                            Interlocked.Increment(ref absent);
                        }
                    }
                }));
                return absent;
            }

            (await ReadAsync(1_000)).Should().Be(1_000);
            var before = Fleet.Rss(process);
            before.Should().BePositive("the emulator's resident memory was read");
            (await ReadAsync(10_000)).Should().Be(10_000, "the emulator answered every request (it has no such deployment)");

            (Fleet.Rss(process) - before).Should().BeLessThan(100L * 1024 * 1024);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task A_busy_port_is_a_clear_error_with_exit_code_2_not_an_unhandled_exception()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        using var process = Start("--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        process.ExitCode.Should().Be(2);
        var error = await process.StandardError.ReadToEndAsync();
        error.Should().Contain($"port {port}").And.Contain("in use").And.NotContain("Unhandled exception");
    }

    [Fact]
    public async Task Help_and_version_answer_and_start_nothing_and_an_unknown_option_is_refused()
    {
        using var help = Start("--help");
        using var version = Start("--version");
        using var unknown = Start("--prot", "8080");
        await Task.WhenAll(help.WaitForExitAsync(), version.WaitForExitAsync(), unknown.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        (help.ExitCode, version.ExitCode, unknown.ExitCode).Should().Be((0, 0, 2));
        (await help.StandardOutput.ReadToEndAsync()).Should().Contain("Usage: vvp-emulator").And.Contain("--token-file").And.Contain("--platform-version");
        (await version.StandardOutput.ReadToEndAsync()).Should().MatchRegex(@"^vvp-emulator \d+\.\d+\.\d+");
        (await unknown.StandardError.ReadToEndAsync()).Should().Contain("argument 1 ('--prot') is not understood");
    }
}
