using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Json;

public sealed class JsonMergePatchConformanceTests
{
    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Rfc7396_case_applies_to_the_expected_result(string id)
    {
        var @case = Load(id);
        var original = JsonNode.Parse(@case.Original);
        var patch = JsonNode.Parse(@case.Patch);
        var (originalText, patchText) = (original?.ToJsonString(), patch?.ToJsonString());

        var result = JsonMergePatch.Apply(original, patch);

        JsonEquality.Equals(result, JsonNode.Parse(@case.Result)).Should().BeTrue($"expected {@case.Result} but got {result?.ToJsonString() ?? "null"}");
        (original?.ToJsonString()).Should().Be(originalText);
        (patch?.ToJsonString()).Should().Be(patchText);
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Rfc7396_Create_turns_the_original_into_the_result(string id)
    {
        var @case = Load(id);
        var original = JsonNode.Parse(@case.Original);
        var result = JsonNode.Parse(@case.Result);

        var created = JsonMergePatch.Create(original, result);

        JsonEquality.Equals(JsonMergePatch.Apply(original, created), result).Should().BeTrue(created?.ToJsonString() ?? "null");
    }

    public static TheoryData<string> Cases() => ConformanceCases.MergeCaseIds();

    private static ConformanceCases.MergeCase Load(string id)
    {
        SharedFolder.Require("conformance", "merge-patch");
        return ConformanceCases.MergeCases[id];
    }
}
