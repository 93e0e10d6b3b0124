using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Benchmarks;

/// <summary>
/// The CPU one platform GET costs this process, over a real socket to the platform emulator in a process of its own (so
/// that the server's work is not counted): the runtime's <see cref="HttpClient"/> alone, the adapter over its own handler
/// chain, the adapter as <c>AddVvpPlatformClient</c> registers it (a circuit breaker), and the adapter behind
/// Microsoft.Extensions.Http.Resilience's standard pipeline configured as it was before (retries off, time-outs behind
/// the request timeout). Four concurrent readers by default, as the operator's four workers; the same deployment's answer
/// (1 KiB) each time. Each variant warms up, then the variants alternate for five rounds; the process's CPU time per
/// request (user and system) of each round and their median are printed. A guide, not a benchmark.
/// </summary>
internal static class HttpFloor
{
    public static async Task RunAsync(int requests, int readers)
    {
        var emulatorDll = Path.Combine(AppContext.BaseDirectory, "vvp-emulator.dll");
        using var emulator = Process.Start(new ProcessStartInfo("dotnet", [emulatorDll, "--port", "0"]) { RedirectStandardOutput = true })!;
        try
        {
            var baseAddress = new Uri(await emulator.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("The emulator printed no address."));
            var options = new VvpPlatformClientOptions { BaseAddress = baseAddress, AllowInsecureHttp = true };
            var live = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "live-in-sync.json")))!;
            var (adapter, adapterHttp) = VvpPlatformHttpClient.Create(options);
            using var ownedAdapterHttp = adapterHttp;
            await adapter.CreateDeploymentAsync("default", live, null, default);
            var name = live["metadata"]!["name"]!.GetValue<string>();
            var path = $"api/v1/namespaces/default/deployments/{name}";

            using var plain = new HttpClient(new SocketsHttpHandler()) { BaseAddress = baseAddress };
            await using var shipped = Registered(baseAddress, standardPipeline: false);
            await using var before = Registered(baseAddress, standardPipeline: true);
            var variants = new (string Name, Func<Task<int>> Get)[]
            {
                ("HttpClient alone (GET, answer read as bytes)", async () => (await plain.GetByteArrayAsync(path)).Length),
                ("adapter, its own handler chain (VvpPlatformHttpClient.Create)", async () => (await adapter.GetDeploymentAsUtf8Async("default", name, null, default))!.Value.Length),
                ("adapter as AddVvpPlatformClient registers it (circuit breaker)", Reader(shipped, name)),
                ("adapter behind the standard resilience pipeline, as configured before", Reader(before, name)),
            };

            foreach (var (_, get) in variants)
            {
                await RunAsync(get, requests, readers);
            }

            var rounds = variants.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < 5; round++)
            {
                for (var i = 0; i < variants.Length; i++)
                {
                    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                    await RunAsync(variants[i].Get, requests, readers);
                    rounds[i].Add((Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / requests);
                }
            }

            Console.WriteLine($"CPU per GET of this process, {readers} concurrent readers, {requests:N0} requests per round:");
            for (var i = 0; i < variants.Length; i++)
            {
                var sorted = rounds[i].Order().ToArray();
                Console.WriteLine($"  {variants[i].Name}: median {sorted[sorted.Length / 2]:F1} µs (rounds {string.Join(", ", rounds[i].Select(r => r.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))})");
            }
        }
        finally
        {
            emulator.Kill();
            await emulator.WaitForExitAsync();
        }
    }

    private static Func<Task<int>> Reader(ServiceProvider provider, string name)
    {
        var client = provider.GetRequiredService<IPlatformClient>();
        return async () => (await client.GetDeploymentAsUtf8Async("default", name, null, default))!.Value.Length;
    }

    // The adapter through dependency injection: as AddVvpPlatformClient registers it, or behind the standard pipeline as
    // this package configured it before (retries off, both time-outs one second behind the request timeout).
    private static ServiceProvider Registered(Uri baseAddress, bool standardPipeline)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var builder = services.AddVvpPlatformClient(o =>
        {
            o.BaseAddress = baseAddress;
            o.AllowInsecureHttp = true;
        });
        if (standardPipeline)
        {
            builder.AddStandardResilienceHandler().Configure(o =>
            {
                o.Retry.ShouldHandle = _ => PredicateResult.False();
                var backstop = TimeSpan.FromSeconds(31);
                o.AttemptTimeout.Timeout = backstop;
                o.TotalRequestTimeout.Timeout = backstop;
                o.CircuitBreaker.SamplingDuration = backstop + backstop;
            });
            // The circuit breaker's handler goes: the standard pipeline holds a circuit breaker of its own.
            builder.ConfigureAdditionalHttpMessageHandlers((handlers, _) => handlers.Remove(handlers.First(h => h is ResilienceHandler)));
        }

        return services.BuildServiceProvider();
    }

    private static async Task RunAsync(Func<Task<int>> get, int requests, int readers)
    {
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, readers).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= requests)
            {
                await get();
            }
        }));
    }
}
