using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using JsonDiffPatchDotNet;
using Newtonsoft.Json.Linq;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Benchmarks;

/// <summary>
/// Planning the documentation's test-cr against a 3 KB live deployment, status projection included:
/// the fast path, the full in-sync comparison, drift, and a fresh resource (read and validated), with
/// JsonDiffPatch.Net diffing the same two documents in the same run.
/// </summary>
[MemoryDiagnoser]
public class PlannerBenchmarks
{
    private readonly DeploymentPlanner _planner = new();
    private readonly JsonDiffPatch _peer = new();
    private JsonObject _crDocument = null!;
    private VvpDeploymentResource _cr = null!;
    private VvpDeploymentResource _syncedCr = null!;
    private JsonObject _live = null!;
    private JsonObject _drifted = null!;
    private JToken _peerLive = null!;
    private JToken _peerDesired = null!;
    private JToken _peerCr = null!;

    [GlobalSetup]
    public void Setup()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "data");
        _crDocument = (JsonObject)ResourceReader.Read(File.ReadAllText(Path.Combine(folder, "test-cr.yaml"))).Document!;
        _cr = VvpDeploymentResource.FromDocument(_crDocument).WithGeneration(1);
        var liveText = File.ReadAllText(Path.Combine(folder, "live-in-sync.json"));
        _live = (JsonObject)JsonNode.Parse(liveText)!;
        _drifted = (JsonObject)JsonMergePatch.Apply(_live, JsonNode.Parse("""{"spec":{"state":"RUNNING","maxJobCreationAttempts":4},"metadata":{"resourceVersion":21}}"""))!;

        var first = _planner.Plan(_cr, _live);
        if (first.Action != PlanAction.None)
        {
            throw new InvalidOperationException("The benchmark's live deployment must be in sync with the CR: " + first.ToJsonString());
        }

        _syncedCr = _cr.WithStatus(first.Status);
        if (_planner.Plan(_syncedCr, _live).Status != _syncedCr.Status)
        {
            throw new InvalidOperationException("The fast path must reuse the recorded status.");
        }

        _cr.Validate();

        // The peer diffs the same two documents the full comparison compares: the live deployment, and the
        // deployment the CR describes (in sync, so equal in content but a separate tree).
        _peerLive = JToken.Parse(liveText);
        _peerCr = JToken.Parse(_crDocument.ToJsonString());
        _peerDesired = JToken.Parse(JsonMergePatch.Apply(_live, new JsonObject
        {
            ["metadata"] = _cr.UserMetadata!.DeepClone(),
            ["spec"] = _cr.DeploymentSpec!.DeepClone(),
        })!.ToJsonString());
    }

    [Benchmark(Description = "fast path (generation + resourceVersion)")]
    public Plan FastPath() => _planner.Plan(_syncedCr, _live);

    [Benchmark(Description = "in sync, full comparison (no status)")]
    public Plan FullInSync() => _planner.Plan(_cr, _live);

    [Benchmark(Description = "in-sync comparison alone (no status projection, no hash)")]
    public bool ComparisonOnly() => UserPartComparer.PatchIsNoOp(_cr, _live, _planner.Options);

    [Benchmark(Description = "drift (patch planned)")]
    public Plan Drift() => _planner.Plan(_cr, _drifted);

    [Benchmark(Description = "fresh resource: copy, validate, full comparison")]
    public Plan FreshResource() => _planner.Plan(VvpDeploymentResource.FromDocument(_crDocument).WithGeneration(1), _live);

    [Benchmark(Baseline = true, Description = "JsonDiffPatch.Net: Diff of the live and the desired deployment")]
    public JToken? PeerDiff() => _peer.Diff(_peerLive, _peerDesired);

    [Benchmark(Description = "JsonDiffPatch.Net: Diff of the CR and the live deployment")]
    public JToken? PeerDiffInputs() => _peer.Diff(_peerCr, _peerLive);
}
