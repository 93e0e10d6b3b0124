using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using JsonDiffPatchDotNet;
using Newtonsoft.Json.Linq;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Benchmarks;

/// <summary>The JSON engine against JsonDiffPatch.Net 2.3.0 on the same public fixtures, parsed outside the measurement.</summary>
[MemoryDiagnoser]
public class JsonDiffBenchmarks
{
    // The peer as a user gets it (text diffs of long strings), and with whole-string replacement like ours.
    private readonly JsonDiffPatch _peer = new();
    private readonly JsonDiffPatch _peerSimple = new(new Options { TextDiff = TextDiffMode.Simple });
    private JsonNode? _left;
    private JsonNode? _right;
    private JsonNode? _leftCopy;
    private JToken _peerLeft = null!;
    private JToken _peerRight = null!;
    private JToken _peerLeftCopy = null!;

    [Params("demo", "large")]
    public string Fixture { get; set; } = "demo";

    [GlobalSetup]
    public void Setup()
    {
        var left = Fixtures.Read(Fixture, "left");
        var right = Fixtures.Read(Fixture, "right");
        (_left, _right, _leftCopy) = (JsonNode.Parse(left), JsonNode.Parse(right), JsonNode.Parse(left));
        (_peerLeft, _peerRight, _peerLeftCopy) = (JToken.Parse(left), JToken.Parse(right), JToken.Parse(left));
    }

    [Benchmark(Description = "ours: JsonPatch.Create")]
    public JsonPatch JsonPatchCreate() => JsonPatch.Create(_left, _right);

    [Benchmark(Description = "ours: JsonMergePatch.Create")]
    public JsonNode? MergePatchCreate() => JsonMergePatch.Create(_left, _right);

    [Benchmark(Description = "ours: JsonEquality.Equals (equal copies)")]
    public bool EqualsCopies() => JsonEquality.Equals(_left, _leftCopy);

    [Benchmark(Baseline = true, Description = "JsonDiffPatch.Net: Diff")]
    public JToken PeerDiff() => _peer.Diff(_peerLeft, _peerRight);

    [Benchmark(Description = "JsonDiffPatch.Net: Diff, TextDiff=Simple")]
    public JToken PeerDiffSimple() => _peerSimple.Diff(_peerLeft, _peerRight);

    [Benchmark(Description = "Newtonsoft: JToken.DeepEquals (equal copies)")]
    public bool PeerEqualsCopies() => JToken.DeepEquals(_peerLeft, _peerLeftCopy);
}
