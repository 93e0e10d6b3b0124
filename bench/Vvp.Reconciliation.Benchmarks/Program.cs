using System.Text.Json.Nodes;
using BenchmarkDotNet.Running;
using JsonDiffPatchDotNet;
using JsonDiffPatchDotNet.Formatters.JsonPatch;
using Newtonsoft.Json.Linq;
using Vvp.Reconciliation.Benchmarks;
using Vvp.Reconciliation.Json;

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

BenchmarkSwitcher.FromAssembly(typeof(JsonDiffBenchmarks).Assembly).Run(args);
