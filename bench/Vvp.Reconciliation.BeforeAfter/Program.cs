// One measurement of every row of docs/performance.md's before/after table, against whichever version of the library
// this program was built with (bench/before-after.sh builds it twice and runs both, one after the other). Each row is
// printed as "row<TAB>value<TAB>unit". Timings are medians over batches after a warm-up; allocations are per operation.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using JsonDiffPatchDotNet;
using Newtonsoft.Json.Linq;
using Vvp.Reconciliation;
using Vvp.Reconciliation.Benchmarks.Shared;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Testing;
#if !BEFORE
using Vvp.Reconciliation.Resources;
#endif

if (args.Length is not (1 or 2))
{
    Console.Error.WriteLine("usage: Vvp.Reconciliation.BeforeAfter <repository root> [scaling | drift | fixed]");
    return 2;
}

var root = args[0];
// "scaling": only the rows of documents that grow; "drift": only the drift plans beside the peer; "fixed": only the
// rows of the seed CR and the diff fixtures (bench/before-after.sh runs those several times, alternating the versions).
var mode = args.Length == 2 ? args[1] : "all";
if (mode is not ("all" or "scaling" or "drift" or "fixed"))
{
    Console.Error.WriteLine($"unknown mode '{mode}': scaling, drift or fixed");
    return 2;
}

var scalingOnly = mode is "scaling" or "drift";
var driftOnly = mode == "drift";
var fixedOnly = mode == "fixed";
var crText = File.ReadAllText(Path.Combine(root, "samples/QuickStart/crs/test-cr.yaml"));
var liveText = File.ReadAllText(Path.Combine(root, "bench/Vvp.Reconciliation.Benchmarks/data/live-in-sync.json"));
var planner = new DeploymentPlanner();
int[] sizes = [100, 1_000, 10_000, 100_000];
var peer = new JsonDiffPatch();

// Cost per key, and per array element, as documents grow: the seed CR with N flinkConfiguration keys (or N
// additionalDependencies), against a live deployment holding the same. The cost is the marginal one: the time at N
// minus the time at none, divided by N; the ratio is the largest of the four figures over the smallest.
foreach (var arrays in fixedOnly ? [] : new[] { false, true })
{
    var unit = arrays ? "array element" : "key";
    var operations = new (string Name, Func<Sizing, Func<object?>> Operation)[]
    {
        ("validate (VvpDeploymentValidator.Validate of the document)", d => () => VvpDeploymentValidator.Validate(d.Document)),
        ("fresh resource: copy (FromDocument) and validate", d => () => VvpDeploymentResource.FromDocument(d.Document).Validate()),
        ("plan, in sync (full comparison)", d => () => planner.Plan(d.Cr, d.Live)),
        ("plan, drift (one changed, one more field)", d => () => planner.Plan(d.Cr, d.Drifted)),
        ("JsonPatch.Create (one changed)", d => () => JsonPatch.Create(d.Live, d.Drifted)),
        ("JsonMergePatch.Apply (the CR's spec onto the live one)", d => () => JsonMergePatch.Apply(d.Live["spec"], d.Document["spec"]!["deployment"]!["spec"])),
        ("JsonEquality.Equals (equal, separate trees)", d => () => JsonEquality.Equals(d.Live, d.LiveCopy)),
    };
    // Only the documents of one size that the operation reads are alive while it is measured.
    var times = operations.Select(_ => new List<double>()).ToList();
    foreach (var size in driftOnly ? Enumerable.Empty<int>() : sizes.Prepend(0))
    {
        for (var i = 0; i < operations.Length; i++)
        {
            times[i].Add(Measure(operations[i].Operation(Sized(size, arrays))).Nanoseconds);
        }
    }

    foreach (var ((name, _), i) in operations.Select((o, i) => (o, i)).Where(_ => !driftOnly))
    {
        var perUnit = sizes.Select((size, j) => (times[i][j + 1] - times[i][0]) / size).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ns per added {unit}: {name}\t{string.Join(" / ", perUnit.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))}\tratio {perUnit.Max() / perUnit.Min():F2}"));
    }

    // The whole drift plan (resource reused) against the peer's Diff of the same two documents: the drifted live
    // deployment and the deployment the CR asks for (the live one with the CR's metadata and spec merged in), both
    // parsed beforehand.
    foreach (var size in sizes)
    {
        var sized = Sized(size, arrays);
        Expect(planner.Plan(sized.Cr, sized.Drifted).Action == PlanAction.Patch, "the sized drift must need a patch");
        var (theirDrifted, theirDesired) = (JToken.Parse(sized.Drifted.ToJsonString()), JToken.Parse(Desired(sized.Cr, sized.Live).ToJsonString()));
        var (ours, theirs) = MeasurePair(() => planner.Plan(sized.Cr, sized.Drifted), () => peer.Diff(theirDrifted, theirDesired));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"drift plan vs JsonDiffPatch.Net Diff, {size:N0} {unit}s\t{ours.Nanoseconds / 1000:F1}\tµs\t{theirs.Nanoseconds / 1000:F1}\tµs\tratio {ours.Nanoseconds / theirs.Nanoseconds:F2}"));
    }
}

if (scalingOnly)
{
    return 0;
}

// The seed CR against its in-sync live deployment: a fresh resource, and a drift plan on a reused one.
var crDocument = (JsonObject)ResourceReader.Read(crText).Document!;
var cr = VvpDeploymentResource.FromDocument(crDocument).WithGeneration(1);
var live = (JsonObject)JsonNode.Parse(liveText)!;
var drifted = (JsonObject)JsonMergePatch.Apply(live, JsonNode.Parse("""{"spec":{"state":"RUNNING","maxJobCreationAttempts":4},"metadata":{"resourceVersion":21}}"""))!;
Expect(planner.Plan(cr, live).Action == PlanAction.None, "the seed CR must be in sync with the live deployment");
Expect(planner.Plan(cr, drifted).Action == PlanAction.Patch, "the drifted deployment must need a patch");
var peerLive = JToken.Parse(liveText);
var peerDesired = JToken.Parse(Desired(cr, live).ToJsonString());

Row("fresh resource (copy, validate, plan; in sync)", Measure(() => planner.Plan(VvpDeploymentResource.FromDocument(crDocument).WithGeneration(1), live)));
Row("drift plan (patch planned)", Measure(() => planner.Plan(cr, drifted)));
Row("JsonDiffPatch.Net Diff, live vs desired deployment", Measure(() => peer.Diff(peerLive, peerDesired)));

// The JSON engine against the peer on the public diff fixtures.
foreach (var fixture in new[] { "demo", "large" })
{
    var fixtures = Path.Combine(root, "..", "shared", "conformance", "diff-fixtures");
    var left = File.ReadAllText(Path.Combine(fixtures, $"weichch-{fixture}_left.json"));
    var right = File.ReadAllText(Path.Combine(fixtures, $"weichch-{fixture}_right.json"));
    var (a, b) = (JsonNode.Parse(left), JsonNode.Parse(right));
    var (peerA, peerB) = (JToken.Parse(left), JToken.Parse(right));
    Row($"JsonPatch.Create, {fixture} fixture", Measure(() => JsonPatch.Create(a, b)));
    Row($"JsonDiffPatch.Net Diff, {fixture} fixture", Measure(() => peer.Diff(peerA, peerB)));
}

// The in-sync comparison of a YAML-read CR against a JSON-parsed live deployment, per flinkConfiguration key:
// (plan at 1,000 keys - plan at none) / 1,000. The CR has no status, so every plan compares in full.
{
    var (none, thousand) = (Sized(0, arrays: false), Sized(1_000, arrays: false));
    var atNone = Measure(() => planner.Plan(none.Cr, none.Live));
    var atThousand = Measure(() => planner.Plan(thousand.Cr, thousand.Live));
    Expect(planner.Plan(thousand.Cr, thousand.Live).Action == PlanAction.None, "the sized CR must be in sync");
    Row("in-sync comparison, YAML-read CR vs JSON-parsed live, per key", new Result((atThousand.Nanoseconds - atNone.Nanoseconds) / 1_000, (atThousand.Bytes - atNone.Bytes) / 1_000));
}

if (fixedOnly)
{
    return 0;
}

// Validation and drift plans as flinkConfiguration grows: the whole operation at each size.
foreach (var size in sizes)
{
    var document = Sized(size, arrays: false).Document;
    Row($"validate (VvpDeploymentValidator.Validate), {size:N0} keys", Measure(() => VvpDeploymentValidator.Validate(document)));
    Row($"fresh resource: copy and validate, {size:N0} keys", Measure(() => VvpDeploymentResource.FromDocument(document).Validate()));
    var sized = Sized(size, arrays: false);
    Expect(planner.Plan(sized.Cr, sized.Drifted).Action == PlanAction.Patch, "the sized drift must need a patch");
    Row($"drift plan, {size:N0} keys", Measure(() => planner.Plan(sized.Cr, sized.Drifted)));
}

// Building a fleet in the in-memory platform: 10,000 creates; the first and the last thousand timed.
{
    var platform = new InMemoryPlatform();
    var thousands = new List<double>();
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < 10_000; i++)
    {
        await platform.CreateDeploymentAsync("jobs", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = $"job-{i}" },
            ["spec"] = new JsonObject { ["deploymentTargetName"] = "t", ["state"] = "CANCELLED" },
        }, null, default);
        if ((i + 1) % 1_000 == 0)
        {
            thousands.Add(watch.Elapsed.TotalMilliseconds);
            watch.Restart();
        }
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fleet, first 1,000 of 10,000 creates\t{thousands[0]:F0}\tms"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fleet, last 1,000 of 10,000 creates\t{thousands[^1]:F0}\tms"));
}

// What a host keeps per tracked CR: the resource (read from YAML) and its status, projected from an answer parsed from
// JSON text as the REST adapter gets it, for 10,000 CRs.
{
    var kept = new List<(VvpDeploymentResource, JsonObject?)>(10_000);
    Collect();
    var before = GC.GetTotalMemory(forceFullCollection: true);
    for (var i = 0; i < 10_000; i++)
    {
        var resource = VvpDeploymentResource.FromDocument(ResourceReader.Read(crText.Replace("name: test-cr", $"name: test-cr-{i}", StringComparison.Ordinal)).Document).WithGeneration(1);
        var answer = (JsonObject)JsonNode.Parse(liveText.Replace("\"test-cr\"", $"\"test-cr-{i}\"", StringComparison.Ordinal))!;
        kept.Add((resource, planner.Plan(resource, answer).Status));
    }

    Collect();
    var after = GC.GetTotalMemory(forceFullCollection: true);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory kept per CR (resource + status), 10,000 CRs\t{(after - before) / 10_000.0 / 1024:F1}\tKiB"));
    GC.KeepAlive(kept);
}

return 0;

// The seed CR with N flinkConfiguration keys or N additionalDependencies (no status), the live deployment holding the
// same, and that deployment with the middle one and maxJobCreationAttempts changed. Each is built when first read, so
// only the documents an operation reads are alive while it is measured.
Sizing Sized(int size, bool arrays)
{
    var grown = SizedDeployments.Grown(size, arrays);
    var member = SizedDeployments.Member(arrays);
    return new Sizing(
        () =>
        {
            var document = (JsonObject)ResourceReader.Read(crText).Document!;
            SizedDeployments.Place(document["spec"]!["deployment"]!["spec"]!, arrays)[member] = grown.DeepClone();
            return document;
        },
        () =>
        {
            var live = (JsonObject)JsonNode.Parse(liveText)!;
            SizedDeployments.Place(live["spec"]!, arrays)[member] = JsonNode.Parse(grown.ToJsonString());
            return live;
        },
        live => SizedDeployments.Drifted(live, size, arrays));
}

// The deployment a CR asks for: the live one with the CR's user metadata and deployment spec merged in.
static JsonNode Desired(VvpDeploymentResource cr, JsonObject live) => JsonMergePatch.Apply(live, new JsonObject
{
    ["metadata"] = cr.UserMetadata!.DeepClone(),
    ["spec"] = cr.DeploymentSpec!.DeepClone(),
})!;

static void Collect()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
}

static void Expect(bool condition, string what)
{
    if (!condition)
    {
        throw new InvalidOperationException("Benchmark set-up is wrong: " + what);
    }
}

static void Row(string name, Result result) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}\t{result.Nanoseconds:F1}\tns\t{result.Bytes:F0}\tB"));

// Median time per call over 15 batches of about 40 ms each (at least one call), after 2 s of warm-up (tiered compilation has then optimised the code); bytes per call
// over all batches.
static Result Measure(Func<object?> operation)
{
    var warmUp = Stopwatch.StartNew();
    var calls = 0;
    while (warmUp.ElapsedMilliseconds < 2_000 || calls < 3)
    {
        operation();
        calls++;
    }

    var perBatch = Math.Max(1, (int)(calls * 40.0 / warmUp.Elapsed.TotalMilliseconds));
    var times = new List<double>();
    var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    for (var batch = 0; batch < 15; batch++)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < perBatch; i++)
        {
            operation();
        }

        times.Add(watch.Elapsed.TotalMilliseconds * 1_000_000 / perBatch);
    }

    var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (15.0 * perBatch);
    times.Sort();
    return new Result(times[times.Count / 2], bytes);
}

// Two operations measured side by side: after the warm-up of each, 15 rounds of one batch of the first and one of the
// second, so that a change of the machine's speed during the run weighs on both alike; the median of each.
static (Result First, Result Second) MeasurePair(Func<object?> first, Func<object?> second)
{
    var batches = new[] { first, second }.Select(operation =>
    {
        var warmUp = Stopwatch.StartNew();
        var calls = 0;
        while (warmUp.ElapsedMilliseconds < 2_000 || calls < 3)
        {
            operation();
            calls++;
        }

        return Math.Max(1, (int)(calls * 40.0 / warmUp.Elapsed.TotalMilliseconds));
    }).ToArray();
    var times = new[] { new List<double>(), new List<double>() };
    for (var round = 0; round < 15; round++)
    {
        for (var which = 0; which < 2; which++)
        {
            var operation = which == 0 ? first : second;
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < batches[which]; i++)
            {
                operation();
            }

            times[which].Add(watch.Elapsed.TotalMilliseconds * 1_000_000 / batches[which]);
        }
    }

    foreach (var list in times)
    {
        list.Sort();
    }

    return (new Result(times[0][7], 0), new Result(times[1][7], 0));
}

/// <summary>The documents of one size, each built on first use.</summary>
internal sealed class Sizing(Func<JsonObject> document, Func<JsonObject> live, Func<JsonObject, JsonObject> drifted)
{
    private JsonObject? _document;
    private VvpDeploymentResource? _cr;
    private JsonObject? _live;
    private JsonObject? _liveCopy;
    private JsonObject? _drifted;

    public JsonObject Document => _document ??= document();

    public VvpDeploymentResource Cr => _cr ??= VvpDeploymentResource.FromDocument(Document).WithGeneration(1);

    public JsonObject Live => _live ??= live();

    public JsonObject LiveCopy => _liveCopy ??= (JsonObject)Live.DeepClone();

    public JsonObject Drifted => _drifted ??= drifted(Live);
}

internal readonly record struct Result(double Nanoseconds, double Bytes)
{
    public static Result operator /(Result result, int divisor) => new(result.Nanoseconds / divisor, result.Bytes / divisor);
}
