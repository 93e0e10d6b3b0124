using System.Text.Json.Nodes;
using CsCheck;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Json;

/// <summary>Property tests of the JSON engine's laws, each over at least 1,000 generated cases.</summary>
public sealed class JsonLawsTests
{
    private const long Iterations = 2_000;

    [Fact]
    public void Json_patch_Create_then_Apply_gives_the_target() =>
        JsonGen.Pair().Sample((a, b) =>
        {
            var patch = JsonPatch.Create(a, b);
            return JsonEquality.Equals(patch.Apply(a), b);
        }, iter: Iterations, print: t => $"{JsonGen.Print(t.Item1)} -> {JsonGen.Print(t.Item2)}");

    [Fact]
    public void Json_patch_Create_of_equal_documents_is_empty() =>
        JsonGen.Document().Sample(a => JsonPatch.Create(a, JsonGen.Reformatted(a)).IsEmpty, iter: Iterations, print: JsonGen.Print);

    [Fact]
    public void Merge_patch_Create_then_Apply_gives_the_target_when_it_holds_no_null_members() =>
        JsonGen.Pair(nullMembersInB: false).Sample((a, b) =>
            JsonEquality.Equals(JsonMergePatch.Apply(a, JsonMergePatch.Create(a, b)), b),
            iter: Iterations, print: t => $"{JsonGen.Print(t.Item1)} -> {JsonGen.Print(t.Item2)}");

    [Fact]
    public void Merge_patch_Apply_never_mutates_its_inputs() =>
        JsonGen.Pair().Sample((a, b) =>
        {
            var (beforeA, beforeB) = (JsonGen.Print(a), JsonGen.Print(b));
            var result = JsonMergePatch.Apply(a, b);
            result?.AsValueOrContainerMutation();
            return JsonGen.Print(a) == beforeA && JsonGen.Print(b) == beforeB;
        }, iter: Iterations);

    [Fact]
    public void Json_patch_Apply_never_mutates_its_input() =>
        JsonGen.Pair().Sample((a, b) =>
        {
            var before = JsonGen.Print(a);
            var result = JsonPatch.Create(a, b).Apply(a);
            result?.AsValueOrContainerMutation();
            return JsonGen.Print(a) == before;
        }, iter: Iterations);

    [Fact]
    public void Canonical_hash_is_equal_exactly_when_documents_are_normalised_equal() =>
        Gen.Select(JsonGen.Pair(), Gen.Bool).Sample((pair, reformat) =>
        {
            var (a, b) = pair;
            if (reformat)
            {
                b = JsonGen.Reformatted(a);
            }

            return JsonEquality.Equals(a, b) == (JsonCanonical.Hash(a) == JsonCanonical.Hash(b));
        }, iter: Iterations);

    [Fact]
    public void Reformatted_documents_are_equal_and_hash_alike() =>
        JsonGen.Document().Sample(a =>
        {
            var b = JsonGen.Reformatted(a);
            return JsonEquality.Equals(a, b) && JsonCanonical.Hash(a) == JsonCanonical.Hash(b);
        }, iter: Iterations, print: JsonGen.Print);
}

internal static class MutationExtensions
{
    /// <summary>Mutates a result tree, proving that it shares no node with the inputs.</summary>
    public static void AsValueOrContainerMutation(this JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                o["__mutated__"] = true;
                foreach (var (_, value) in o.ToList())
                {
                    value?.AsValueOrContainerMutation();
                }

                break;
            case JsonArray a:
                foreach (var item in a.ToList())
                {
                    item?.AsValueOrContainerMutation();
                }

                a.Add(1);
                break;
        }
    }
}
