using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Benchmarks;

/// <summary>
/// Cost per key as documents grow: the seed CR with N keys in <c>spec.template.spec.flinkConfiguration</c>
/// (100 to 100,000), against a live deployment holding the same keys. Each operation is timed over enough
/// repetitions to last about half a second, after a warm-up. The cost per key is the marginal one: the time at N keys
/// minus the time with no added key, divided by N. The ratio of the largest to the smallest tells whether it stays linear.
/// </summary>
internal static class ScalingCounts
{
    public static void Run()
    {
        var sizes = new[] { 100, 1_000, 10_000, 100_000 };
        var rows = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var baseline = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        foreach (var size in sizes.Prepend(0))
        {
            var (cr, live, drifted) = Documents(size);
            var planner = new DeploymentPlanner();
            var resource = VvpDeploymentResource.FromDocument(cr).WithGeneration(1);
            var into = size == 0 ? baseline : rows;
            Measure(into, "validate (fresh resource)", size, () => VvpDeploymentResource.FromDocument(cr).Validate());
            Measure(into, "plan, in sync (full comparison)", size, () => planner.Plan(resource, live));
            Measure(into, "plan, drift (one key changed)", size, () => planner.Plan(resource, drifted));
            Measure(into, "JsonPatch.Create (one key changed)", size, () => JsonPatch.Create(live, drifted));
            Measure(into, "JsonMergePatch.Apply (the CR's spec onto the live one)", size, () => JsonMergePatch.Apply(live["spec"], cr["spec"]!["deployment"]!["spec"]));
            Measure(into, "JsonEquality.Equals (equal, separate trees)", size, () => JsonEquality.Equals(live, (JsonNode)live.DeepClone()));
        }

        foreach (var (name, perKey) in rows)
        {
            for (var i = 0; i < perKey.Count; i++)
            {
                perKey[i] = (perKey[i] - baseline[name][0]) / sizes[i];
            }
        }

        Console.WriteLine($"ns per added key (marginal) at {string.Join(" / ", sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))} keys; ratio = largest / smallest");
        foreach (var (name, perKey) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {string.Join(" / ", perKey.Select(v => v.ToString("F0", CultureInfo.InvariantCulture)))}; ratio {perKey.Max() / perKey.Min():F2}"));
        }
    }

    private static (JsonObject Cr, JsonObject Live, JsonObject Drifted) Documents(int size)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "data");
        var cr = (JsonObject)ResourceReader.Read(File.ReadAllText(Path.Combine(folder, "test-cr.yaml"))).Document!;
        var live = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "live-in-sync.json")))!;
        var configuration = new JsonObject();
        for (var i = 0; i < size; i++)
        {
            configuration[$"taskmanager.key.{i}"] = $"value-{i}";
        }

        cr["spec"]!["deployment"]!["spec"]!["template"]!["spec"]!["flinkConfiguration"] = configuration.DeepClone();
        live["spec"]!["template"]!["spec"]!["flinkConfiguration"] = JsonNode.Parse(configuration.ToJsonString());
        var drifted = (JsonObject)live.DeepClone();
        drifted["spec"]!["template"]!["spec"]!["flinkConfiguration"]![$"taskmanager.key.{size / 2}"] = "changed";
        drifted["spec"]!["maxJobCreationAttempts"] = 4;
        return (cr, live, drifted);
    }

    private static void Measure(Dictionary<string, List<double>> rows, string name, int size, Action operation)
    {
        operation();
        var once = Stopwatch.StartNew();
        operation();
        var repetitions = Math.Max(1, (int)(0.5 / Math.Max(once.Elapsed.TotalSeconds, 1e-7)));
        for (var i = 0; i < Math.Min(repetitions, 50); i++)
        {
            operation();
        }

        var watch = Stopwatch.StartNew();
        for (var i = 0; i < repetitions; i++)
        {
            operation();
        }

        var nanoseconds = watch.Elapsed.TotalMilliseconds * 1_000_000 / repetitions;
        (rows.TryGetValue(name, out var list) ? list : rows[name] = []).Add(nanoseconds);
    }
}
