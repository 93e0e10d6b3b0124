using System.Diagnostics;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Benchmarks;

/// <summary>
/// Where a drift plan's time goes: the whole plan, then each of its parts alone (a copy of the live user part, the
/// merge, the diff, the merge-patch body, the comparison, the status projection, the hash), on the same documents
/// as <see cref="PlannerBenchmarks"/>. A stopwatch over 50,000 calls after 20,000 warm-up calls; a guide, not a benchmark.
/// </summary>
internal static class DriftParts
{
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
        static void T(string name, Action part)
        {
            for (var i = 0; i < 20_000; i++)
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

        T("whole drift plan", () => planner.Plan(cr, drifted));
        T("FromDeployment", () => UserParts.FromDeployment(drifted, o));
        T("merge onto live", () => JsonMergePatch.Apply(liveUser, desired));
        T("clone live user part (DeepClone)", () => liveUser.DeepClone());
        T("JsonPatch.Create", () => JsonPatch.Create(liveUser, desired));
        T("MergePatch.Create", () => JsonMergePatch.Create(liveUser, desired));
        T("equality", () => JsonEquality.Equals(liveUser, desired));
        T("PatchIsNoOp", () => UserPartComparer.PatchIsNoOp(cr, drifted, o));
        T("status projection", () => StatusProjection.Project(cr, drifted, SyncOutcome.Success("InSync", "x"), o));
        T("hash of live", () => UserParts.HashOfDeployment(drifted, o));
    }
}
