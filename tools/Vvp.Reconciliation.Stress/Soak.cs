using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Stress;

/// <summary>How a soak runs.</summary>
public sealed record SoakOptions
{
    /// <summary>How many CRs (PATCH and PUT, initFields, savepoints, scrubbing; half with a generation, half plain files).</summary>
    public int Crs { get; init; } = 1_000;

    /// <summary>How many reconciles run at once.</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>The share of requests answered with a fault, in percent.</summary>
    public int FaultPercent { get; init; } = 20;

    /// <summary>The seed of the fault choices.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>The most passes before the run gives up converging.</summary>
    public int MaxPasses { get; init; } = 80;
}

/// <summary>What a soak found.</summary>
public sealed class SoakReport
{
    /// <summary>CRs in the fleet.</summary>
    public int Crs { get; set; }

    /// <summary>Passes until every CR converged.</summary>
    public int Passes { get; set; }

    /// <summary>Reconciles run while converging.</summary>
    public int Reconciles { get; set; }

    /// <summary>The counter behind <see cref="Reconciles"/>, for concurrent increments.</summary>
    internal int ReconcilesField;

    /// <summary>Faults injected, by kind.</summary>
    public SortedDictionary<string, int> Faults { get; } = new(StringComparer.Ordinal);

    /// <summary>HTTP requests the emulator received.</summary>
    public int Requests { get; set; }

    /// <summary>Writes the platform carried out (deployments and savepoints).</summary>
    public int Writes { get; set; }

    /// <summary>Successful creates; one per CR when nothing was created twice.</summary>
    public int Creates { get; set; }

    /// <summary>Writes in each of the steady passes after convergence, faults off.</summary>
    public List<int> SteadyWrites { get; } = [];

    /// <summary>Wall time of the whole run.</summary>
    public TimeSpan WallTime { get; set; }

    /// <summary>Every rule the run found broken; empty when all held.</summary>
    public List<string> Problems { get; } = [];

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"soak: {Crs} CRs converged in {Passes} passes ({Reconciles} reconciles) in {WallTime.TotalSeconds:F1} s");
        text.AppendLine(CultureInfo.InvariantCulture, $"  faults injected and survived: {Faults.Values.Sum()} ({string.Join(", ", Faults.Select(f => $"{f.Key} {f.Value}"))})");
        text.AppendLine(CultureInfo.InvariantCulture, $"  HTTP requests {Requests}, platform writes {Writes}, creates {Creates}, steady passes' writes {string.Join(" ", SteadyWrites)}");
        text.Append(Problems.Count == 0 ? "  every rule held" : "  problems:\n    " + string.Join("\n    ", Problems.Take(20)));
        return text.ToString();
    }
}

/// <summary>
/// A fleet of CRs reconciled through the HTTP adapter against the emulator, with faults of every kind injected on
/// the wire, until every CR converges; then the checks: every deployment equals its CR's desired state, nothing
/// was created twice, every initial savepoint was registered exactly once, the token is in no output, and steady
/// passes write nothing.
/// </summary>
public static class Soak
{
    private const string Token = "soak-token-7f3a9c2e5b1d4f6a8c0e";
    private const string SecretName = "vvp-api-token";

    /// <summary>Runs a soak.</summary>
    /// <param name="options">How.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The report.</returns>
    public static async Task<SoakReport> RunAsync(SoakOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var watch = Stopwatch.StartNew();
        var report = new SoakReport { Crs = options.Crs };
        // Defaults are applied (PUT mode must not loop on them); values are not normalised, so the oracle below can
        // compare what the CR states with what the platform holds literally.
        var platform = new InMemoryPlatform(new InMemoryPlatformOptions { TransitionDuration = TimeSpan.Zero, ApplyDefaults = true });
        platform.AddToken(Token, PlatformRole.Editor);
        await using var emulator = await PlatformEmulator.StartAsync(platform, cancellationToken: cancellationToken).ConfigureAwait(false);
        var faults = new FaultInjector(options.Seed, options.FaultPercent, report);
        emulator.Intercept = faults.InterceptAsync;
        emulator.LoseAnswer = FaultInjector.LoseAnswer;

        var (client, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = emulator.BaseAddress, RequestTimeout = TimeSpan.FromSeconds(1) });
        using var _ = http;
        var log = new TextLogger();
        var reconcilerOptions = new ReconcilerOptions
        {
            AuthenticationRequired = true,
            TransientRetries = 1,
            TransientRetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryAfter = TimeSpan.Zero,
            ReconcileTimeout = TimeSpan.FromSeconds(20),
        };
        reconcilerOptions.WatchedNamespaces.Add("jobs");
        var reconciler = new VvpDeploymentReconciler(client, reconcilerOptions, new OneSecret(), log);
        var fleet = Enumerable.Range(0, options.Crs).Select(Cr).ToArray();
        var converged = new bool[fleet.Length];
        var output = new ConcurrentQueue<string>();

        while (converged.Contains(false) && report.Passes < options.MaxPasses)
        {
            report.Passes++;
            var pending = Enumerable.Range(0, fleet.Length).Where(i => !converged[i]).ToList();
            await ForEachAsync(pending, options.Concurrency, async i =>
            {
                var result = await reconciler.ReconcileAsync(fleet[i], cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref report.ReconcilesField);
                Record(result, output);
                fleet[i] = Apply(fleet[i], result);
                converged[i] = IsConverged(result);
            }).ConfigureAwait(false);
        }

        report.Reconciles = report.ReconcilesField;
        faults.Enabled = false;
        for (var pass = 0; pass < 3; pass++)
        {
            var writes = 0;
            await ForEachAsync(Enumerable.Range(0, fleet.Length).ToList(), options.Concurrency, async i =>
            {
                var result = await reconciler.ReconcileAsync(fleet[i], cancellationToken).ConfigureAwait(false);
                Interlocked.Add(ref writes, result.Writes);
                Record(result, output);
                fleet[i] = Apply(fleet[i], result);
            }).ConfigureAwait(false);
            report.SteadyWrites.Add(writes);
        }

        Check(report, fleet, converged, platform, emulator, log, output);
        report.Requests = emulator.Requests;
        report.Writes = platform.WriteCount;
        report.WallTime = watch.Elapsed;
        return report;
    }

    private static VvpDeploymentResource Cr(int i)
    {
        var spec = new JsonObject
        {
            ["state"] = i % 4 == 2 ? "CANCELLED" : "RUNNING",
            ["deploymentTargetName"] = "target",
            ["maxJobCreationAttempts"] = 1 + (i % 5),
            ["template"] = new JsonObject
            {
                ["spec"] = new JsonObject
                {
                    ["artifact"] = new JsonObject { ["kind"] = "JAR", ["jarUri"] = $"file:///jobs/job-{i}.jar" },
                    ["resources"] = new JsonObject { ["jobmanager"] = new JsonObject { ["cpu"] = 1, ["memory"] = "1g" } },
                },
            },
        };
        var userMetadata = new JsonObject { ["name"] = $"job-{i}", ["labels"] = new JsonObject { ["fleet"] = "soak" } };
        if (i % 4 == 3)
        {
            userMetadata["id"] = "not-a-user-key";
        }

        var crSpec = new JsonObject
        {
            ["syncingMode"] = i % 4 == 1 ? "PUT" : "PATCH",
            ["deployment"] = new JsonObject { ["userMetadata"] = userMetadata, ["spec"] = spec },
        };
        if (i % 4 == 0)
        {
            crSpec["initFields"] = new JsonObject { ["userMetadata"] = new JsonObject { ["displayName"] = $"Job {i}" }, ["spec"] = new JsonObject { ["maxSavepointCreationAttempts"] = 7 } };
        }

        if (i % 4 == 2)
        {
            crSpec["initialSavepointSpec"] = new JsonObject { ["savepointLocation"] = $"s3://savepoints/job-{i}" };
        }

        var cr = VvpDeploymentResource.FromDocument(new JsonObject
        {
            ["apiVersion"] = "ververica.platform/v1",
            ["kind"] = "VvpDeployment",
            ["metadata"] = new JsonObject { ["name"] = $"cr-{i}", ["namespace"] = "jobs", ["annotations"] = new JsonObject { ["apikeySecretName"] = SecretName } },
            ["spec"] = crSpec,
        });
        return i % 2 == 0 ? cr.WithGeneration(1) : cr;
    }

    // What a host does with a result: a Kubernetes host stores the status and the spec update (the generation moves);
    // a pipeline has no status and writes the spec update back into its file.
    private static VvpDeploymentResource Apply(VvpDeploymentResource cr, ReconcileResult result)
    {
        if (cr.Generation is { } generation)
        {
            if (result.StatusChanged)
            {
                cr = cr.WithStatus(result.Status);
            }

            return result.SpecUpdate is null ? cr : cr.WithSpec(result.SpecUpdate).WithGeneration(generation + 1);
        }

        return result.SpecUpdate is null ? cr : cr.WithSpec(result.SpecUpdate);
    }

    private static bool IsConverged(ReconcileResult result)
    {
        var conditions = result.Status?["conditions"] as JsonArray;
        var synced = conditions?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "Synced");
        var savepoint = (string?)result.Status?["customResourceStatus"]?["initialSavepoint"]?["state"];
        // A warning (a bookkeeping write that failed, a savepoint still owed) means work is left for the next pass.
        return (string?)synced?["status"] == "True" && result.Writes == 0 && result.SpecUpdate is null && savepoint != "Pending" &&
               result.Events.All(e => e.Type != "Warning");
    }

    private static void Record(ReconcileResult result, ConcurrentQueue<string> output)
    {
        output.Enqueue(result.Status?.ToJsonString() ?? string.Empty);
        foreach (var e in result.Events)
        {
            output.Enqueue(e.Message);
        }
    }

    private static void Check(SoakReport report, VvpDeploymentResource[] fleet, bool[] converged, InMemoryPlatform platform, PlatformEmulator emulator, TextLogger log, ConcurrentQueue<string> output)
    {
        if (converged.Contains(false))
        {
            report.Problems.Add($"{converged.Count(c => !c)} CRs did not converge in {report.Passes} passes");
        }

        var creates = emulator.Exchanges.Where(e => e.Method == "POST" && e.Path.EndsWith("/deployments", StringComparison.Ordinal) && e.Status is 200 or 201).ToList();
        report.Creates = creates.Count;
        foreach (var twice in creates.GroupBy(e => e.RequestBody?["metadata"]?["name"]?.ToString()).Where(g => g.Count() > 1))
        {
            report.Problems.Add($"{twice.Key} was created {twice.Count()} times");
        }

        var savepoints = platform.SavepointsOf("default");
        foreach (var cr in fleet)
        {
            var target = cr.Target!;
            var live = platform.Snapshot(target.Namespace, target.Name);
            if (live is null)
            {
                report.Problems.Add($"{target} does not exist");
                continue;
            }

            if (!InDesiredState(cr, live))
            {
                report.Problems.Add($"{target} differs from its CR's desired state: live {live["spec"]?.ToJsonString()}, CR {cr.DeploymentSpec?.ToJsonString()}");
            }

            var id = (string?)live["metadata"]?["id"];
            var registered = savepoints.Count(s => (string?)s["metadata"]?["deploymentId"] == id);
            var expected = cr.InitialSavepointLocation is null ? 0 : 1;
            if (registered != expected)
            {
                report.Problems.Add($"{target} has {registered} initial savepoint(s) registered, expected {expected}");
            }
        }

        foreach (var line in log.Lines.Concat(output))
        {
            if (line.Contains(Token, StringComparison.Ordinal))
            {
                report.Problems.Add("the token appeared in output: " + line[..Math.Min(line.Length, 120)]);
                break;
            }
        }

        if (report.SteadyWrites.Any(w => w != 0))
        {
            report.Problems.Add($"steady passes wrote: {string.Join(" ", report.SteadyWrites)}");
        }
    }

    private static readonly string[] PlatformDefaults = ["/spec/state", "/spec/upgradeStrategy", "/spec/restoreStrategy", "/spec/template/spec/parallelism", "/spec/template/spec/resources"];

    // The oracle, independent of the planner: everything the CR states is on the deployment (merging the CR's user
    // part onto the live one changes nothing); in PUT mode, in addition, the deployment holds nothing else but the
    // platform's own defaults.
    private static bool InDesiredState(VvpDeploymentResource cr, JsonObject live)
    {
        var liveUser = UserPart(live["metadata"] as JsonObject, live["spec"]);
        var crUser = UserPart(Scrubbed(cr.UserMetadata), cr.DeploymentSpec);
        crUser["metadata"]!["name"] = cr.Target!.Name;
        crUser["metadata"]!["namespace"] = cr.Target.Namespace;
        if (!JsonEquality.Equals(Normalized(JsonMergePatch.Apply(liveUser, crUser)), Normalized(liveUser)))
        {
            return false;
        }

        return cr.SyncingMode == SyncingMode.Patch ||
               Leaves(liveUser, string.Empty).All(path => Present(crUser, path) || PlatformDefaults.Any(d => path.StartsWith(d, StringComparison.Ordinal)));
    }

    private static JsonObject? Scrubbed(JsonObject? userMetadata) =>
        userMetadata is null ? null : new JsonObject(userMetadata.Where(p => p.Key is "name" or "namespace" or "displayName" or "labels" or "annotations").Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));

    // The paths of the values held (an empty object holds none).
    private static IEnumerable<string> Leaves(JsonNode? node, string path) => node is JsonObject obj
        ? obj.SelectMany(p => Leaves(p.Value, path + "/" + p.Key))
        : [path];

    private static bool Present(JsonNode? node, string path)
    {
        foreach (var key in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(key, out node))
            {
                return false;
            }
        }

        return true;
    }

    private static JsonObject UserPart(JsonObject? metadata, JsonNode? spec)
    {
        var user = new JsonObject();
        foreach (var key in new[] { "name", "namespace", "displayName", "labels", "annotations" })
        {
            if (metadata?[key] is { } value)
            {
                user[key] = value.DeepClone();
            }
        }

        if (user["annotations"] is JsonObject annotations)
        {
            foreach (var key in annotations.Select(a => a.Key).Where(k => k.StartsWith("com.dataartisans.", StringComparison.Ordinal) || k.StartsWith("reconciliation.vvp/", StringComparison.Ordinal)).ToList())
            {
                annotations.Remove(key);
            }
        }

        return new JsonObject { ["metadata"] = user, ["spec"] = spec?.DeepClone() ?? new JsonObject() };
    }

    private static JsonNode? Normalized(JsonNode? userPart)
    {
        var copy = userPart?.DeepClone();
        if (copy?["metadata"] is JsonObject metadata)
        {
            foreach (var key in new[] { "labels", "annotations" })
            {
                if (metadata[key] is JsonObject { Count: 0 })
                {
                    metadata.Remove(key);
                }
            }
        }

        return copy;
    }

    private static async Task ForEachAsync(List<int> items, int concurrency, Func<int, Task> body)
    {
        var next = -1;
        var workers = Enumerable.Range(0, Math.Max(1, concurrency)).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < items.Count)
            {
                await body(items[i]).ConfigureAwait(false);
            }
        });
        await Task.WhenAll(workers).ConfigureAwait(false);
    }

    /// <summary>The one Secret the fleet names.</summary>
    private sealed class OneSecret : ISecretReader
    {
        public Task<byte[]?> ReadAsync(string kubernetesNamespace, string name, string key, CancellationToken cancellationToken) =>
            Task.FromResult(name == SecretName && key == "apikey" ? Encoding.UTF8.GetBytes(Token + "\n") : null);
    }

    /// <summary>Keeps every formatted log line, at every level.</summary>
    private sealed class TextLogger : ILogger<VvpDeploymentReconciler>
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            Lines.Enqueue(formatter(state, exception) + (exception is null ? string.Empty : " " + exception));
        }
    }
}

/// <summary>Answers a share of the platform's requests with a fault: 5xx, 429 with Retry-After, a time-out, a reset, 409, a 404 race, a wrong-shape body, or a lost answer after the work was done.</summary>
internal sealed class FaultInjector(int seed, int percent, SoakReport report)
{
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();

    public volatile bool Enabled = true;

    public static bool LoseAnswer(HttpContext context) => context.Items.ContainsKey(nameof(LoseAnswer));

    public async Task<bool> InterceptAsync(HttpContext context)
    {
        int roll, kind;
        lock (_gate)
        {
            roll = _random.Next(100);
            kind = _random.Next(8);
        }

        if (!Enabled || roll >= percent || !context.Request.Path.Value!.Contains("/namespaces/", StringComparison.Ordinal))
        {
            return false;
        }

        var method = context.Request.Method;
        var name = kind switch
        {
            0 => "503",
            1 => "429+Retry-After",
            2 => "timeout",
            3 => "reset",
            4 => "409",
            5 => method is "PATCH" or "PUT" ? "404 race" : "503",
            6 => "wrong-shape body",
            _ => "lost answer",
        };
        lock (report.Faults)
        {
            report.Faults[name] = report.Faults.GetValueOrDefault(name) + 1;
        }

        switch (name)
        {
            case "503":
                return await Answer(context, 503, "{\"message\":\"unavailable\"}").ConfigureAwait(false);
            case "429+Retry-After":
                context.Response.Headers.RetryAfter = "1";
                return await Answer(context, 429, "{\"message\":\"slow down\"}").ConfigureAwait(false);
            case "timeout":
                await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
                context.Abort();
                return true;
            case "reset":
                context.Abort();
                return true;
            case "409":
                return await Answer(context, 409, "{\"message\":\"conflict\"}").ConfigureAwait(false);
            case "404 race":
                return await Answer(context, 404, "{\"message\":\"not found\"}").ConfigureAwait(false);
            case "wrong-shape body":
                return await Answer(context, 200, method == "GET" ? "[]" : "\"ok\"").ConfigureAwait(false);
            default:
                context.Items[nameof(LoseAnswer)] = true;
                return false;
        }
    }

    private static async Task<bool> Answer(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body).ConfigureAwait(false);
        return true;
    }
}
