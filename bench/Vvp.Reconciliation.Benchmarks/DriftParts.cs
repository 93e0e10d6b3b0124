using System.Diagnostics;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Benchmarks.Shared;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Benchmarks;

/// <summary>
/// Where a drift plan's time goes: the whole plan, then each of its parts alone (the in-place comparison, the copy of the
/// live user metadata, the one walk over the spec that gives the diff and the merge-patch body, the status projection),
/// and what building the user parts would cost, on the same documents as <see cref="PlannerBenchmarks"/>. A stopwatch over 50,000 calls after 2 s of warm-up; a guide, not a benchmark.
/// </summary>
internal static class DriftParts
{
    /// <summary>
    /// The same parts at scale: the seed CR with <paramref name="size"/> flinkConfiguration keys (or additionalDependencies),
    /// the live deployment holding the same but the middle one and maxJobCreationAttempts; and the peer's Diff of the
    /// drifted deployment and the deployment the CR asks for.
    /// </summary>
    public static void RunSized(int size, bool arrays)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "data");
        var crDocument = (JsonObject)ResourceReader.Read(File.ReadAllText(Path.Combine(folder, "test-cr.yaml"))).Document!;
        var live = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "live-in-sync.json")))!;
        var grown = SizedDeployments.Grown(size, arrays);
        var member = SizedDeployments.Member(arrays);
        JsonObject Place(JsonNode deploymentSpec) => SizedDeployments.Place(deploymentSpec, arrays);
        Place(crDocument["spec"]!["deployment"]!["spec"]!)[member] = grown.DeepClone();
        Place(live["spec"]!)[member] = JsonNode.Parse(grown.ToJsonString());
        var drifted = SizedDeployments.Drifted(live, size, arrays);
        var cr = VvpDeploymentResource.FromDocument(crDocument).WithGeneration(1);
        var planner = new DeploymentPlanner();
        var o = planner.Options;
        var desired = JsonMergePatch.Apply(live, new JsonObject { ["metadata"] = cr.UserMetadata!.DeepClone(), ["spec"] = cr.DeploymentSpec!.DeepClone() })!;
        var (peerDrifted, peerDesired) = (Newtonsoft.Json.Linq.JToken.Parse(drifted.ToJsonString()), Newtonsoft.Json.Linq.JToken.Parse(desired.ToJsonString()));
        var peer = new JsonDiffPatchDotNet.JsonDiffPatch();
        var operations = new List<JsonPatchOperation>();
        var calls = Math.Max(5, 5_000_000 / Math.Max(1, size * 10));
        void T(string name, Func<object?> part)
        {
            for (var warmUp = Stopwatch.StartNew(); warmUp.ElapsedMilliseconds < 1_000;)
            {
                part();
            }

            // The median of 15 batches.
            var batches = new List<double>();
            for (var batch = 0; batch < 15; batch++)
            {
                var watch = Stopwatch.StartNew();
                for (var i = 0; i < calls; i++)
                {
                    part();
                }

                batches.Add(watch.Elapsed.TotalMilliseconds * 1000 / calls);
            }

            batches.Sort();
            Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name}: {batches[7]:F1} µs"));
        }

        T("whole drift plan", () => planner.Plan(cr, drifted));
        T("JsonDiffPatch.Net Diff (drifted, desired)", () => peer.Diff(peerDrifted, peerDesired));
        T("PatchIsNoOp", () => UserPartComparer.PatchIsNoOp(cr, drifted, o));
        T("the merge walk over the spec (diff and body)", () =>
        {
            operations.Clear();
            return JsonPatch.CreateForMerge((JsonObject)drifted["spec"]!, cr.DeploymentSpec!, "spec", operations, 2, o.MaxDepth + 2);
        });
        T("status projection", () => StatusProjection.Project(cr, drifted, SyncOutcome.InSync("x"), o));
        T("JsonEquality.Equals (live, drifted)", () => JsonEquality.Equals(live, drifted));
        var crPart = Place(cr.DeploymentSpec!)[member]!;
        var livePart = Place(live["spec"]!)[member]!;
        T("JsonEquality.Equals (the CR's part, the live part)", () => JsonEquality.Equals(crPart, livePart));
        T("DeepClone of the CR's part", () => crPart.DeepClone());
        T("validation (cached on the resource)", () => cr.Validate(o.MaxDepth));
        T("whole drift plan, again", () => planner.Plan(cr, drifted));
    }

    public static void Run()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "data");
        var crDocument = (JsonObject)ResourceReader.Read(File.ReadAllText(Path.Combine(folder, "test-cr.yaml"))).Document!;
        var cr = VvpDeploymentResource.FromDocument(crDocument).WithGeneration(1);
        var live = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "live-in-sync.json")))!;
        var drifted = (JsonObject)JsonMergePatch.Apply(live, JsonNode.Parse("""{"spec":{"state":"RUNNING","maxJobCreationAttempts":4},"metadata":{"resourceVersion":21}}"""))!;
        var planner = new DeploymentPlanner();
        var o = planner.Options;
        var liveUser = UserParts.FromDeployment(drifted, o);
        var desired = (JsonObject)JsonMergePatch.Apply(liveUser, UserParts.FromResource(new JsonObject(), cr.DeploymentSpec, cr.Target!))!;
        static void T(string name, Func<object?> part)
        {
            // Two seconds of warm-up: long enough for tiered compilation to have optimised the code.
            for (var warmUp = Stopwatch.StartNew(); warmUp.ElapsedMilliseconds < 2_000;)
            {
                part();
            }

            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 50_000; i++)
            {
                part();
            }

            Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name}: {watch.Elapsed.TotalMilliseconds * 1000 / 50_000:F2} µs"));
        }

        var operations = new List<JsonPatchOperation>();
        T("whole drift plan", () => planner.Plan(cr, drifted));
        T("PatchIsNoOp (stops at the first difference)", () => UserPartComparer.PatchIsNoOp(cr, drifted, o));
        T("live user metadata copy", () => UserParts.MetadataCopy(drifted["metadata"] as JsonObject, o));
        T("the merge walk over the spec (diff and body)", () =>
        {
            operations.Clear();
            return JsonPatch.CreateForMerge((JsonObject)drifted["spec"]!, cr.DeploymentSpec!, "spec", operations, 2, o.MaxDepth + 2);
        });
        T("status projection", () => StatusProjection.Project(cr, drifted, SyncOutcome.InSync("x"), o));
        T("for comparison: FromDeployment (a copy of the live user part)", () => UserParts.FromDeployment(drifted, o));
        T("for comparison: JsonPatch.Create of two built user parts", () => JsonPatch.Create(liveUser, desired));
        T("for comparison: JsonMergePatch.Create of two built user parts", () => JsonMergePatch.Create(liveUser, desired));
        T("hash of live", () => UserParts.HashOfDeployment(drifted, o));
    }
}
