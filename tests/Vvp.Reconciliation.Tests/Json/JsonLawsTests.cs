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
    public void The_merge_walk_gives_the_diff_and_the_merge_patch_of_the_merged_document_without_building_it() =>
        MergeWalkAgrees(Gen.Select(JsonGen.ObjectDocument(), JsonGen.ObjectDocument(3)));

    [Fact]
    public void The_merge_walk_agrees_also_when_a_few_members_are_merged_onto_a_wide_object() =>
        MergeWalkAgrees(Gen.Select(JsonGen.WideObject(9, 40), JsonGen.WideObject(1, 4)));

    [Theory]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(1_000)]
    public void A_long_array_the_merge_walk_replaces_is_the_patch_s_own_values_and_shares_nothing_with_it(int count)
    {
        JsonNode?[] values = [JsonValue.Create("é<&>'\"\\"), JsonValue.Create(1.5), JsonValue.Create(7L), JsonValue.Create(true), null, JsonNode.Parse("\"parsed \\u00e9\""), JsonNode.Parse("1e3")];
        var array = new JsonArray([.. Enumerable.Range(0, count).Select(i => values[i % values.Length]?.DeepClone() ?? (i % 2 == 0 ? JsonValue.Create($"s3://bucket/dependency-{i}.jar") : null))]);
        var source = new JsonObject { ["list"] = JsonNode.Parse(array.ToJsonString()), ["keep"] = 1 };
        array[count / 2] = "changed";
        var patch = new JsonObject { ["list"] = array };
        var expectedBody = JsonMergePatch.Create(source, JsonMergePatch.Apply(source, patch))!.ToJsonString();

        var operations = new List<JsonPatchOperation>();
        var body = JsonPatch.CreateForMerge(source, patch, "s", operations, 2, JsonLimits.DefaultMaxDepth)!;

        body.ToJsonString().Should().Be(expectedBody);
        new JsonPatch(operations).ToJsonString().Should().Be($$"""[{"op":"replace","path":"/s/list/{{count / 2}}","value":"changed"}]""");
        JsonEquality.Equals(body["list"], array).Should().BeTrue("element by element, read as nodes");
        array[0] = "edited after the plan";
        body["list"]![0]!.ToJsonString().Should().NotContain("edited", "the body shares nothing with the patch");
        ((JsonArray)body["list"]!).Add("the body's own");
        array.Count.Should().Be(count);
    }

    [Theory]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(10_000)]
    public void A_long_array_of_an_unchanging_patch_is_carried_whole_by_every_body_and_each_body_owns_its_copy(int count)
    {
        JsonNode?[] values = [JsonValue.Create("é<&>'\"\\"), JsonValue.Create(1.5), JsonValue.Create(7L), JsonValue.Create(true), null, new JsonObject { ["k"] = new JsonArray(1, "x") }, JsonNode.Parse("1e3")];
        var array = new JsonArray([.. Enumerable.Range(0, count).Select(i => i % 3 == 0 ? values[i % values.Length]?.DeepClone() : JsonValue.Create($"s3://bucket/dependency-{i}.jar"))]);
        var source = new JsonObject { ["list"] = JsonNode.Parse(array.ToJsonString()), ["keep"] = 1 };
        array[count / 2] = "changed";
        var patch = new JsonObject { ["list"] = array };
        var patchText = patch.ToJsonString();
        var expectedBody = JsonMergePatch.Create(source, JsonMergePatch.Apply(source, patch))!.ToJsonString();
        var copies = new JsonArrayCopies();

        JsonObject Body() => JsonPatch.CreateForMerge(source, patch, "s", [], 2, JsonLimits.DefaultMaxDepth, copies)!;
        var first = Body();
        var second = Body();
        var third = Body();

        foreach (var body in new[] { first, second, third })
        {
            body.ToJsonString().Should().Be(expectedBody);
            JsonEquality.Equals(body["list"], array).Should().BeTrue();
        }

        // The first copy is node by node (the patch's own CLR values); from the second on, a long array is read from a
        // document of its own, and a short one is still copied node by node.
        first["list"]![1]!.AsValue().TryGetValue<System.Text.Json.JsonElement>(out _).Should().BeFalse();
        third["list"]![1]!.AsValue().TryGetValue<System.Text.Json.JsonElement>(out _).Should().Be(count >= JsonArrayCopies.DefaultMinimumLength);

        // Each body's array is its own: changing one changes neither the patch nor a later body.
        ((JsonArray)second["list"]!).Add("the second body's own");
        second["list"]![1] = "edited in the second body";
        ((JsonObject)second["list"]![12]!)["k"] = "edited";
        Body().ToJsonString().Should().Be(expectedBody);
        third.ToJsonString().Should().Be(expectedBody);
        patch.ToJsonString().Should().Be(patchText);
    }

    [Fact]
    public void An_array_copied_from_an_unchanging_tree_that_is_nested_too_deeply_is_refused_at_every_copy()
    {
        JsonNode nested = "leaf";
        for (var i = 0; i < 10; i++)
        {
            nested = new JsonArray(nested);
        }

        var array = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode?)i)]) { nested };
        var copies = new JsonArrayCopies();

        // The first copy (node by node) and the later ones (a document of its own) check the depth alike.
        for (var i = 0; i < 3; i++)
        {
            var act = () => copies.Copy(array, depth: 3, maxDepth: 12);
            act.Should().Throw<JsonDepthLimitExceededException>($"copy {i + 1}");
        }

        var copy = copies.Copy(array, depth: 3, maxDepth: 13);
        copy[0]!.AsValue().TryGetValue<System.Text.Json.JsonElement>(out _).Should().BeTrue("a copy after the first is read from a document");
        JsonEquality.Equals(copy, array).Should().BeTrue();
    }

    [Fact]
    public void The_merge_walk_agrees_when_the_patch_is_written_from_the_source() =>
        MergeWalkAgrees(Gen.Select(JsonGen.WideObject(9, 40), JsonGen.ObjectDocument(2), Gen.Int[0, int.MaxValue]).Select((t) => (t.Item1, (JsonNode?)WrittenFrom((JsonObject)t.Item1!, (JsonObject)t.Item2!, t.Item3))));

    // A patch as a CR is written from a live object: most members kept in the source's order with the same or another
    // value, some removed (null), some left out, a few moved out of order, and members of its own added.
    private static JsonObject WrittenFrom(JsonObject source, JsonObject others, int seed)
    {
        var random = new Random(seed);
        var members = new List<KeyValuePair<string, JsonNode?>>();
        for (var i = 0; i < source.Count; i++)
        {
            var (key, value) = source.GetAt(i);
            switch (random.Next(10))
            {
                case 0:
                    continue;
                case 1:
                    members.Add(KeyValuePair.Create(key, (JsonNode?)null));
                    break;
                case 2 or 3:
                    members.Add(KeyValuePair.Create(key, others.Count > 0 ? others.GetAt(random.Next(others.Count)).Value?.DeepClone() : JsonValue.Create(i)));
                    break;
                default:
                    members.Add(KeyValuePair.Create(key, value?.DeepClone()));
                    break;
            }
        }

        for (var moves = random.Next(3); moves > 0 && members.Count > 1; moves--)
        {
            var (from, to) = (random.Next(members.Count), random.Next(members.Count));
            (members[from], members[to]) = (members[to], members[from]);
        }

        var patch = new JsonObject(members);
        for (var i = 0; i < others.Count; i++)
        {
            var (key, value) = others.GetAt(i);
            patch.TryAdd(key, value?.DeepClone());
        }

        return patch;
    }

    private static void MergeWalkAgrees(Gen<(JsonNode?, JsonNode?)> documents) =>
        documents.Sample((source, patch) =>
        {
            var (a, p) = ((JsonObject)source!, (JsonObject)patch!);
            var (beforeA, beforeP) = (JsonGen.Print(a), JsonGen.Print(p));
            var merged = JsonMergePatch.Apply(a, p);
            var expectedOperations = new JsonPatch(JsonPatch.Create(new JsonObject { ["s"] = a.DeepClone() }, new JsonObject { ["s"] = merged }).Operations);
            var expectedBody = (JsonObject)JsonMergePatch.Create(a, merged)!;

            // Node by node, then three times from one set of array copies (every array of the patch: its first copy node
            // by node, the later ones from a document of its own).
            var copies = new JsonArrayCopies(minimumLength: 0);
            return new JsonArrayCopies?[] { null, copies, copies, copies }.All(arrayCopies =>
            {
                var operations = new List<JsonPatchOperation>();
                var body = JsonPatch.CreateForMerge(a, p, "s", operations, 2, JsonLimits.DefaultMaxDepth, arrayCopies);

                // The same operations in the same order, the same body in the same member order, and the inputs untouched.
                return new JsonPatch(operations).ToJsonString() == expectedOperations.ToJsonString() &&
                       (body ?? []).ToJsonString() == expectedBody.ToJsonString() &&
                       JsonEquality.Equals(body ?? [], expectedBody) &&
                       JsonGen.Print(a) == beforeA && JsonGen.Print(p) == beforeP;
            });
        }, iter: Iterations, print: t => $"{JsonGen.Print(t.Item1)} <- {JsonGen.Print(t.Item2)}");

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
