using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Hosting;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Stress;

/// <summary>What an operator fault run does.</summary>
public sealed class OperatorFaultOptions
{
    /// <summary>How long faults are injected.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Faults injected per second (one at a time: a fault no request met yet gives way to the next).</summary>
    public int Rate { get; init; } = 1;

    /// <summary>Healthy CRs present from the start.</summary>
    public int Crs { get; init; } = 20;

    /// <summary>The watch timeout the operator runs with; the canary rule allows twice it.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Seeds the choice of faults.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>What an operator fault run saw.</summary>
public sealed record OperatorFaultReport(
    IReadOnlyDictionary<string, int> Faults,
    int Canaries,
    TimeSpan CanaryMax,
    TimeSpan CanaryMedian,
    int UnhandledExceptions,
    int TokenFragments,
    long PeakRssBytes,
    IReadOnlyList<string> Problems)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"operator faults: {Faults.Values.Sum()} injected ({string.Join(", ", Faults.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key} {f.Value}"))}); " +
        $"{Canaries} canaries, delay max {CanaryMax.TotalSeconds:0.00} s, median {CanaryMedian.TotalSeconds:0.00} s; unhandled exceptions {UnhandledExceptions}; " +
        $"token fragments in any output or Kubernetes object {TokenFragments}; peak RSS {PeakRssBytes / (1024 * 1024)} MiB (stand-in, emulator and operator in one process); " +
        $"problems {Problems.Count}" + (Problems.Count == 0 ? string.Empty : ":\n  " + string.Join("\n  ", Problems.Take(20)));
}

/// <summary>
/// The operator's fault cases in bulk (docs/reliability.md): the real controller against the Kubernetes API stand-in and
/// the platform emulator, with hostile answers and events injected at a set rate for a set time — silent and dripping
/// watches, malformed and oversized events, lists of the wrong kind, a Status for a list, lists that never end, items
/// that cannot be read, CRs nested thousands of levels deep, error messages with terminal escapes, failures and dropped
/// watches. Throughout, a canary CR is created every second and must be reconciled within twice the watch timeout; at
/// the end no output and no Kubernetes object may hold any fragment of the API token a wrong-kind list carried, and no
/// loop may have stopped unexpectedly.
/// </summary>
public static class OperatorFaults
{
    private const string Namespace = "stress";
    private const string Token = "stress-token-4f7c2a9e1b3d8";

    private static readonly string[] Kinds =
    [
        "silent watch", "dripping watch", "duplicate key", "lone surrogate", "not JSON", "oversized event", "SecretList",
        "Status list", "endless list", "unreadable item", "deep CR", "escape sequences", "503", "dropped watches",
    ];

    /// <summary>Runs the faults and checks the rules.</summary>
    /// <param name="options">The run.</param>
    /// <returns>What it saw.</returns>
    public static async Task<OperatorFaultReport> RunAsync(OperatorFaultOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new ConcurrentQueue<string>();
        var unhandled = 0;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e) => Interlocked.Increment(ref unhandled);
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        var logs = new Collected();
        var faults = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var random = new Random(options.Seed);
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            using var self = Process.GetCurrentProcess();
            while (!sampling.IsCancellationRequested)
            {
                self.Refresh();
                peak = Math.Max(peak, self.WorkingSet64);
                try
                {
                    await Task.Delay(100, sampling.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        await using var api = await KubernetesApiStandIn.StartAsync().ConfigureAwait(false);
        await using var emulator = await PlatformEmulator.StartAsync(new InMemoryPlatform(new InMemoryPlatformOptions { TransitionDuration = TimeSpan.FromMilliseconds(200) })).ConfigureAwait(false);
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vvp-stress-kubeconfig-{Guid.NewGuid():N}.yaml");
        api.WriteKubeconfig(kubeconfig);
        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
        File.Delete(kubeconfig);
        var seed = (JsonObject)ResourceReader.Read(ExampleResources.TestCrYaml).Document!;
        for (var i = 0; i < options.Crs; i++)
        {
            api.Create(ApiResource.VvpDeployments, Namespace, Cr(seed, $"cr-{i:D4}"));
        }

        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Information));
        services.AddSingleton(client);
        services.AddVvpPlatformClient(o =>
        {
            o.BaseAddress = emulator.BaseAddress;
            o.RequestTimeout = TimeSpan.FromSeconds(10);
        });
        services.AddVvpOperator(_ => { });
        var operatorOptions = new VvpOperatorOptions
        {
            Identity = "vvp-stress",
            HolderIdentity = "stress-pod",
            WatchTimeout = options.WatchTimeout,
            LeaseDuration = TimeSpan.FromSeconds(6),
            RenewDeadline = TimeSpan.FromSeconds(4),
            RetryPeriod = TimeSpan.FromSeconds(1),
            ResyncPeriod = TimeSpan.FromSeconds(30),
            RetryBaseDelay = TimeSpan.FromMilliseconds(100),
            RetryMaxDelay = TimeSpan.FromSeconds(1),
            KubernetesCallTimeout = TimeSpan.FromSeconds(3),
            ShutdownGrace = TimeSpan.FromSeconds(2),
        };
        operatorOptions.Reconciler.TransitioningRequeue = TimeSpan.FromMilliseconds(300);
        operatorOptions.WatchedNamespaces.Add(Namespace);
        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(operatorOptions));
        await using var provider = services.BuildServiceProvider();
        var controller = provider.GetRequiredService<VvpOperatorService>().Controller!;
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => controller.RunAsync(stop.Token));

        var delays = new ConcurrentBag<TimeSpan>();
        var canaries = new List<Task>();
        var bound = 2 * options.WatchTimeout;
        var started = Stopwatch.StartNew();
        var nextCanary = TimeSpan.Zero;
        var canaryCount = 0;
        var interval = TimeSpan.FromSeconds(1.0 / Math.Max(1, options.Rate));
        var order = new List<string>();
        while (started.Elapsed < options.Duration)
        {
            // Every kind once per round, in a random order; one fault at a time: one not yet met by a request gives way
            // to the next, so the rate is what the API shows.
            if (order.Count == 0)
            {
                order.AddRange(Kinds.OrderBy(_ => random.Next()));
            }

            var kind = order[^1];
            order.RemoveAt(order.Count - 1);
            api.Faults.Clear();
            Inject(api, kind, seed, random);
            faults.AddOrUpdate(kind, 1, (_, n) => n + 1);
            if (started.Elapsed >= nextCanary)
            {
                nextCanary += TimeSpan.FromSeconds(1);
                var name = $"canary-{canaryCount++:D4}";
                api.Create(ApiResource.VvpDeployments, Namespace, Cr(seed, name));
                canaries.Add(WatchCanaryAsync(api, name, bound, delays, problems));
            }

            await Task.Delay(interval).ConfigureAwait(false);
        }

        await Task.WhenAll(canaries).ConfigureAwait(false);
        api.Faults.Clear();
        if (run.IsCompleted)
        {
            problems.Enqueue($"the controller stopped during the run: {run.Exception?.GetBaseException().Message ?? "without an error"}");
        }

        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await run.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            problems.Enqueue($"the controller did not stop: {ex.Message}");
        }

        await sampling.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        TaskScheduler.UnobservedTaskException -= OnUnobserved;

        unhandled += logs.Entries.Count(e => e.Contains("stopped unexpectedly", StringComparison.Ordinal) || e.Contains("failed unexpectedly", StringComparison.Ordinal));
        var texts = logs.Entries.Concat(new[] { ApiResource.VvpDeployments, ApiResource.Events, ApiResource.ConfigMaps, ApiResource.Leases }
            .SelectMany(r => api.List(r, Namespace)).Select(o => o.ToJsonString(new System.Text.Json.JsonSerializerOptions { MaxDepth = 10_000 })));
        var fragments = texts.Count(HoldsTokenFragment);
        if (fragments > 0)
        {
            problems.Enqueue($"{fragments} output(s) or object(s) hold a fragment of the token");
        }

        if (unhandled > 0)
        {
            problems.Enqueue($"{unhandled} unhandled exception(s) or stopped loop(s)");
        }

        var sorted = delays.OrderBy(d => d).ToList();
        return new OperatorFaultReport(
            faults,
            canaryCount,
            sorted.Count == 0 ? TimeSpan.Zero : sorted[^1],
            sorted.Count == 0 ? TimeSpan.Zero : sorted[sorted.Count / 2],
            unhandled,
            fragments,
            peak,
            [.. problems]);
    }

    private static async Task WatchCanaryAsync(KubernetesApiStandIn api, string name, TimeSpan bound, ConcurrentBag<TimeSpan> delays, ConcurrentQueue<string> problems)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < bound + TimeSpan.FromSeconds(30))
        {
            var conditions = api.Get(ApiResource.VvpDeployments, Namespace, name)?["status"]?["conditions"] as JsonArray;
            if (conditions?.OfType<JsonObject>().Any(c => JsonRead.String(c, "type") == "Synced" && JsonRead.String(c, "status") == "True") == true)
            {
                delays.Add(watch.Elapsed);
                if (watch.Elapsed > bound)
                {
                    problems.Enqueue($"the canary {name} took {watch.Elapsed.TotalSeconds:0.0} s (the rule: {bound.TotalSeconds:0.#} s)");
                }

                return;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        problems.Enqueue($"the canary {name} was never reconciled");
    }

    private static void Inject(KubernetesApiStandIn api, string kind, JsonObject seed, Random random)
    {
        var faults = api.Faults;
        switch (kind)
        {
            case "silent watch":
                faults.AnswerNext("watch", "vvpdeployments", (_, token) => Task.Delay(Timeout.Infinite, token));
                api.DropWatches();
                break;
            case "dripping watch":
                faults.AnswerNext("watch", "vvpdeployments", async (stream, token) =>
                {
                    var drip = Encoding.UTF8.GetBytes("{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":\"");
                    for (var i = 0; ; i = (i + 1) % drip.Length)
                    {
                        await stream.WriteAsync(drip.AsMemory(i, 1), token).ConfigureAwait(false);
                        await stream.FlushAsync(token).ConfigureAwait(false);
                        await Task.Delay(300, token).ConfigureAwait(false);
                    }
                });
                api.DropWatches();
                break;
            case "duplicate key":
                RawEvent(api, """{"type":"ADDED","object":{"metadata":{"name":"a","name":"b","resourceVersion":"1"}}}""");
                break;
            case "lone surrogate":
                RawEvent(api, """{"type":"ADDED","object":{"metadata":{"name":"\udc00x","resourceVersion":"1"}}}""");
                break;
            case "not JSON":
                RawEvent(api, """{"type":"ADDED","object":{"metadata":""");
                break;
            case "oversized event":
                faults.AnswerNext("watch", "vvpdeployments", async (stream, token) =>
                {
                    var chunk = new byte[64 * 1024];
                    Array.Fill(chunk, (byte)'a');
                    await stream.WriteAsync(Encoding.UTF8.GetBytes("{\"type\":\"ADDED\",\"object\":{\"x\":\""), token).ConfigureAwait(false);
                    for (var i = 0; i < 160; i++)
                    {
                        await stream.WriteAsync(chunk, token).ConfigureAwait(false);
                    }

                    await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
                });
                api.DropWatches();
                break;
            case "SecretList":
                Relist(api, $$$"""{"apiVersion":"v1","kind":"SecretList","metadata":{"resourceVersion":"1"},"items":[{"metadata":{"name":"ghost"},"data":{"apikey":"{{{Convert.ToBase64String(Encoding.UTF8.GetBytes(Token))}}}"},"stringData":{"token":"{{{Token}}}"}}]}""");
                break;
            case "Status list":
                Relist(api, """{"apiVersion":"v1","kind":"Status","status":"Success","metadata":{}}""");
                break;
            case "endless list":
                Relist(api, """{"apiVersion":"ververica.platform/v1","kind":"VvpDeploymentList","metadata":{"resourceVersion":"1","continue":"same"},"items":[]}""", times: 2);
                break;
            case "unreadable item":
                Relist(api, $$$"""{"apiVersion":"ververica.platform/v1","kind":"VvpDeploymentList","metadata":{"resourceVersion":"{{{api.Revision}}}"},"items":[{"metadata":{"name":"x","name":"y"}}]}""");
                break;
            case "deep CR":
                {
                    JsonNode inner = "bottom";
                    var depth = 65 + random.Next(2_000);
                    for (var i = 0; i < depth; i++)
                    {
                        inner = random.Next(2) == 0 ? new JsonArray(inner) : new JsonObject { ["x"] = inner };
                    }

                    var cr = Cr(seed, $"deep-{Guid.NewGuid():N}"[..20]);
                    cr["spec"]!["deployment"]!["spec"]!["template"]!["spec"]!["flinkConfiguration"] = new JsonObject { ["x"] = inner };
                    api.Create(ApiResource.VvpDeployments, Namespace, cr);
                    break;
                }

            case "escape sequences":
                faults.AnswerNext("list", "vvpdeployments", """{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Bad\u001b[31m","message":"\u001b[2J\r\nforged line","code":500}""", statusCode: 500);
                Force(api);
                break;
            case "503":
                faults.FailNext(random.Next(2) == 0 ? "list" : "watch", "vvpdeployments", 503, times: 1 + random.Next(3));
                api.DropWatches();
                break;
            default:
                api.DropWatches();
                break;
        }
    }

    private static void RawEvent(KubernetesApiStandIn api, string line)
    {
        api.Faults.AnswerNext("watch", "vvpdeployments", async (stream, token) =>
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), token).ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite, token).ConfigureAwait(false);
        });
        api.DropWatches();
    }

    // The next list answers body; a compaction makes the informer list again.
    private static void Relist(KubernetesApiStandIn api, string body, int times = 1)
    {
        api.Faults.AnswerNext("list", "vvpdeployments", body, times: times);
        Force(api);
    }

    private static void Force(KubernetesApiStandIn api)
    {
        api.Compact();
        api.DropWatches();
    }

    private static JsonObject Cr(JsonObject seed, string name)
    {
        var cr = (JsonObject)seed.DeepClone();
        cr["metadata"]!["name"] = name;
        cr["metadata"]!["namespace"] = Namespace;
        cr["spec"]!["deployment"]!["userMetadata"]!["name"] = name;
        return cr;
    }

    // Any run of 8 characters of the token, in any case, or of its base64.
    private static bool HoldsTokenFragment(string text)
    {
        foreach (var form in new[] { Token, Convert.ToBase64String(Encoding.UTF8.GetBytes(Token)) })
        {
            for (var i = 0; i + 8 <= form.Length; i++)
            {
                if (text.Contains(form.AsSpan(i, 8), StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private sealed class Collected : ILoggerProvider
    {
        public ConcurrentQueue<string> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(Collected owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue(formatter(state, exception) + (exception is null ? string.Empty : "\n" + exception));
        }
    }
}
