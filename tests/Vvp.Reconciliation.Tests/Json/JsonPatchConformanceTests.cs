using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Json;

public sealed class JsonPatchConformanceTests
{
    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Json_patch_test_suite_case(string id)
    {
        var @case = Load(id);
        var doc = JsonNode.Parse(@case.Doc);
        var before = doc?.ToJsonString();

        if (@case.Error is not null)
        {
            var act = () => JsonPatch.Parse(@case.Patch).Apply(doc);
            act.Should().Throw<JsonPatchException>("the suite expects: {0}", @case.Error);
        }
        else
        {
            var result = JsonPatch.Parse(@case.Patch).Apply(doc);
            if (@case.Expected is not null)
            {
                var expected = JsonNode.Parse(@case.Expected);
                JsonEquality.Equals(result, expected).Should().BeTrue($"expected {@case.Expected} but got {result?.ToJsonString() ?? "null"}");
            }
        }

        (doc?.ToJsonString()).Should().Be(before, "applying a patch never mutates its input");
    }

    [SkippableTheory]
    [MemberData(nameof(CasesWithExpectedResult))]
    public void Json_patch_Create_reproduces_every_expected_result_of_the_suite(string id)
    {
        var @case = Load(id);
        var doc = JsonNode.Parse(@case.Doc);
        var expected = JsonNode.Parse(@case.Expected!);

        var patch = JsonPatch.Create(doc, expected);

        JsonEquality.Equals(patch.Apply(doc), expected).Should().BeTrue(patch.ToJsonString());
    }

    public static TheoryData<string> Cases() => ConformanceCases.PatchCaseIds();

    public static TheoryData<string> CasesWithExpectedResult() => ConformanceCases.PatchCaseIdsWithExpectedResult();

    private static ConformanceCases.PatchCase Load(string id)
    {
        SharedFolder.Require("conformance", "json-patch-tests", "tests.json");
        return ConformanceCases.PatchCases[id];
    }
}
