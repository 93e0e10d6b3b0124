using System.Text.Json.Nodes;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Benchmarks;

/// <summary>
/// Whether a projected status keeps the platform's parsed answer alive: 1,000 statuses projected from answers that
/// each carry 64 KB the status does not use, the answers dropped, then the heap measured.
/// </summary>
internal static class StatusPinning
{
    public static void Run()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "data");
        var cr = VvpDeploymentResource.FromDocument(ResourceReader.Read(File.ReadAllText(Path.Combine(folder, "test-cr.yaml"))).Document).WithGeneration(1);
        var liveText = File.ReadAllText(Path.Combine(folder, "live-in-sync.json"));
        var padding = new string('x', 64 * 1024);
        var planner = new DeploymentPlanner();
        var before = Heap();
        var kept = new List<JsonObject?>();
        for (var i = 0; i < 1_000; i++)
        {
            var live = (JsonObject)JsonNode.Parse(liveText)!;
            live["spec"]!["template"]!["spec"]!["flinkConfiguration"] = JsonNode.Parse($$"""{"padding":"{{padding}}"}""");
            live = (JsonObject)JsonNode.Parse(live.ToJsonString())!;   // one parsed answer, as the REST adapter gets it
            kept.Add(planner.Plan(cr, live).Status);
        }

        var after = Heap();
        Console.WriteLine($"1,000 statuses kept: {(after - before) / 1000.0 / 1024:F1} KiB each (an answer is {liveText.Length / 1024 + 64} KiB)");
        GC.KeepAlive(kept);
    }

    private static long Heap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
