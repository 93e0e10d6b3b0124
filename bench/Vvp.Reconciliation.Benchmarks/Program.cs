using System.Text.Json.Nodes;
using BenchmarkDotNet.Running;
using JsonDiffPatchDotNet;
using JsonDiffPatchDotNet.Formatters.JsonPatch;
using Newtonsoft.Json.Linq;
using Vvp.Reconciliation.Benchmarks;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

if (args is ["http-floor", ..])
{
    // The CPU one platform GET costs, by HTTP stack (see HttpFloor): http-floor [requests per round] [concurrent readers].
    static int Count(string[] args, int index, int fallback) =>
        args.Length <= index ? fallback : int.TryParse(args[index], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n : -1;
    var (requests, readers) = (Count(args, 1, 30_000), Count(args, 2, 4));
    if (requests < 0 || readers < 0 || args.Length > 3)
    {
        Console.Error.WriteLine("usage: http-floor [requests per round, a positive integer] [concurrent readers, a positive integer]");
        Environment.ExitCode = 2;
        return;
    }

    await HttpFloor.RunAsync(requests, readers);
    return;
}

if (args is ["counts"])
{
    // How long each diff is: operations of our RFC 6902 patch vs JsonDiffPatch.Net's, formatted as RFC 6902.
    foreach (var fixture in new[] { "demo", "large" })
    {
        var (left, right) = (Fixtures.Read(fixture, "left"), Fixtures.Read(fixture, "right"));
        var ours = JsonPatch.Create(JsonNode.Parse(left), JsonNode.Parse(right));
        var peerDelta = new JsonDiffPatch(new Options { TextDiff = TextDiffMode.Simple }).Diff(JToken.Parse(left), JToken.Parse(right));
        var peerOps = new JsonDeltaFormatter().Format(peerDelta);
        var merge = JsonMergePatch.Create(JsonNode.Parse(left), JsonNode.Parse(right));
        Console.WriteLine($"{fixture}: ours {ours.Operations.Count} operations, JsonDiffPatch.Net {peerOps.Count} operations, merge patch {merge?.ToJsonString().Length ?? 0} chars");
    }

    return;
}

if (args is ["reconcile-counts"])
{
    // API calls per in-sync reconcile over the whole fleet, and the wall-clock time of one pass.
    var (platform, reconciler, crs) = ReconcilerBenchmarks.InSyncFleet(ReconcilerBenchmarks.Count);
    var watch = System.Diagnostics.Stopwatch.StartNew();
    var writesReported = 0;
    foreach (var cr in crs)
    {
        writesReported += (await reconciler.ReconcileAsync(cr)).Writes;
    }

    watch.Stop();
    var calls = platform.Calls;
    Console.WriteLine($"{crs.Length} in-sync CRs: {calls.Count} calls ({calls.Count(c => c.Operation == Vvp.Reconciliation.Testing.PlatformOperation.GetDeployment)} reads, {platform.WriteCount} writes, {writesReported} reported), " +
        $"{(double)calls.Count / crs.Length:F2} calls per CR, {watch.Elapsed.TotalMicroseconds / crs.Length:F1} us per reconcile (one pass, not a benchmark)");
    return;
}

if (args is ["http-counts"])
{
    // HTTP requests per in-sync reconcile, and throughput of one timed pass per concurrency level.
    var (emulator, http, reconciler, crs) = await HttpReconcileBenchmarks.StartAsync(HttpReconcileBenchmarks.Count);
    await HttpReconcileBenchmarks.RunAsync(reconciler, crs, 16);
    foreach (var concurrency in new[] { 1, 16 })
    {
        var before = emulator.Requests;
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await HttpReconcileBenchmarks.RunAsync(reconciler, crs, concurrency);
        watch.Stop();
        Console.WriteLine($"concurrency {concurrency}: {crs.Length} in-sync reconciles, {emulator.Requests - before} HTTP requests " +
            $"({(double)(emulator.Requests - before) / crs.Length:F2} per reconcile), {crs.Length / watch.Elapsed.TotalSeconds:F0} reconciles/s, writes {emulator.Platform.WriteCount}");
    }

    http.Dispose();
    await emulator.DisposeAsync();
    return;
}

if (args is ["reapply-counts"])
{
    // Writes per apply of a plain file (no generation) through the HTTP adapter against the emulator: the first apply,
    // ten re-applies, one edit of the file, then three re-applies; per mode, against a platform that keeps what it is
    // sent and one that adds defaults and normalises memory sizes (1g -> 1024m).
    foreach (var normalises in new[] { false, true })
    {
        foreach (var mode in new[] { "PATCH", "PUT" })
        {
            var platform = new Vvp.Reconciliation.Testing.InMemoryPlatform(new Vvp.Reconciliation.Testing.InMemoryPlatformOptions { ApplyDefaults = normalises, NormalizeValues = normalises });
            await using var emulator = await Vvp.Reconciliation.Emulator.PlatformEmulator.StartAsync(platform);
            var (client, http) = Vvp.Reconciliation.Http.VvpPlatformHttpClient.Create(new Vvp.Reconciliation.Http.VvpPlatformClientOptions { BaseAddress = emulator.BaseAddress });
            using var httpClient = http;
            var options = new Vvp.Reconciliation.Reconciling.ReconcilerOptions { Identity = "vvp-1" };
            options.WatchedNamespaces.Add("default");
            var reconciler = new Vvp.Reconciliation.Reconciling.VvpDeploymentReconciler(client, options);
            var document = (JsonObject)Vvp.Reconciliation.Resources.ResourceReader.Read(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "test-cr.yaml"))).Document!;
            document["spec"]!["syncingMode"] = mode;
            if (mode == "PUT")
            {
                document["spec"]!.AsObject().Remove("initFields");
            }

            document["spec"]!["deployment"]!["spec"]!["template"]!["spec"]!["resources"] = new JsonObject { ["jobmanager"] = new JsonObject { ["cpu"] = 1, ["memory"] = "1g" } };
            var cr = Vvp.Reconciliation.Resources.VvpDeploymentResource.FromDocument(document);
            var writes = new List<int>();
            async Task ApplyAsync(Vvp.Reconciliation.Resources.VvpDeploymentResource resource)
            {
                var before = platform.WriteCount;
                await reconciler.ReconcileAsync(resource);
                writes.Add(platform.WriteCount - before);
            }

            for (var run = 0; run < 11; run++)
            {
                await ApplyAsync(cr);
            }

            document["spec"]!["deployment"]!["spec"]!["maxJobCreationAttempts"] = 7;
            var edited = Vvp.Reconciliation.Resources.VvpDeploymentResource.FromDocument(document);
            for (var run = 0; run < 4; run++)
            {
                await ApplyAsync(edited);
            }

            Console.WriteLine($"{(normalises ? "normalising" : "keeps what it is sent")}, {mode}: writes per apply (first, ten re-applies | edit, three re-applies): " +
                $"{string.Join(" ", writes.Take(11))} | {string.Join(" ", writes.Skip(11))}; {emulator.Requests} HTTP requests in all");
        }
    }

    return;
}

if (args is ["operator-counts", ..])
{
    foreach (var count in args.Length > 1 ? args[1..].Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)) : [1_000, 10_000])
    {
        await Vvp.Reconciliation.Benchmarks.OperatorCounts.RunAsync(count, list: false);
        await Vvp.Reconciliation.Benchmarks.OperatorCounts.RunAsync(count, list: true);
    }

    return;
}

if (args is ["status-pinning"])
{
    Vvp.Reconciliation.Benchmarks.StatusPinning.Run();
    return;
}

if (args is ["drift-parts", "keys" or "elements", var entries])
{
    Vvp.Reconciliation.Benchmarks.DriftParts.RunSized(int.Parse(entries, System.Globalization.CultureInfo.InvariantCulture), arrays: args[1] == "elements");
    return;
}

if (args is ["drift-parts"])
{
    Vvp.Reconciliation.Benchmarks.DriftParts.Run();
    return;
}

if (args is ["fleet-counts"])
{
    // Building a fleet in the in-memory platform: 10,000 creates, each followed by the read a reconcile makes by id,
    // timed per thousand; linear when every lookup is O(1).
    var platform = new Vvp.Reconciliation.Testing.InMemoryPlatform();
    var thousands = new List<double>();
    var watch = System.Diagnostics.Stopwatch.StartNew();
    for (var i = 0; i < 10_000; i++)
    {
        var created = await platform.CreateDeploymentAsync("jobs", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = $"job-{i}" },
            ["spec"] = new JsonObject { ["deploymentTargetName"] = "t", ["state"] = "CANCELLED" },
        }, null, default);
        await platform.GetDeploymentAsync("jobs", created["metadata"]!["id"]!.GetValue<string>(), null, default);
        if ((i + 1) % 1_000 == 0)
        {
            thousands.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
        }
    }

    Console.WriteLine($"10,000 creates and reads by id, ms per thousand: {string.Join(" ", thousands.Select(t => t.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}");
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(JsonDiffBenchmarks).Assembly).Run(args);
