using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Tests.Json;

public sealed class JsonEngineTests
{
    [Theory]
    [InlineData("1", "1.0")]
    [InlineData("1", "1e0")]
    [InlineData("100", "1E2")]
    [InlineData("0.5", "5e-1")]
    [InlineData("-0", "0")]
    [InlineData("12345678901234567890123", "1.2345678901234567890123e22")]
    public void Numbers_compare_by_value(string a, string b)
    {
        JsonEquality.Equals(JsonNode.Parse(a), JsonNode.Parse(b)).Should().BeTrue();
        JsonCanonical.Hash(JsonNode.Parse(a)).Should().Be(JsonCanonical.Hash(JsonNode.Parse(b)));
    }

    [Theory]
    [InlineData("1", "2")]
    [InlineData("0.1", "0.10000000000000000000000000001")]
    [InlineData("1", "\"1\"")]
    [InlineData("true", "1")]
    [InlineData("null", "0")]
    [InlineData("[1,2]", "[2,1]")]
    [InlineData("{\"a\":1}", "{\"a\":1,\"b\":null}")]
    public void Different_documents_are_not_equal(string a, string b)
    {
        JsonEquality.Equals(JsonNode.Parse(a), JsonNode.Parse(b)).Should().BeFalse();
        JsonCanonical.Hash(JsonNode.Parse(a)).Should().NotBe(JsonCanonical.Hash(JsonNode.Parse(b)));
    }

    [Fact]
    public void Key_order_is_ignored_by_equality_and_hash()
    {
        var a = JsonNode.Parse("""{"a":1,"b":{"x":[1,{"p":true,"q":"s"}],"y":null}}""");
        var b = JsonNode.Parse("""{"b":{"y":null,"x":[1.0,{"q":"s","p":true}]},"a":1}""");

        JsonEquality.Equals(a, b).Should().BeTrue();
        JsonCanonical.Hash(a).Should().Be(JsonCanonical.Hash(b)).And.HaveLength(64);
        JsonCanonical.Serialize(b).Should().Be("""{"a":1,"b":{"x":[1,{"p":true,"q":"s"}],"y":null}}""");
    }

    [Fact]
    public void Values_built_in_code_equal_parsed_values()
    {
        var built = new JsonObject { ["n"] = 5, ["d"] = 2.5, ["s"] = "x", ["b"] = false };
        var parsed = JsonNode.Parse("""{"n":5.0,"d":25e-1,"s":"x","b":false}""");

        JsonEquality.Equals(built, parsed).Should().BeTrue();
        JsonCanonical.Hash(built).Should().Be(JsonCanonical.Hash(parsed));
    }

    [Fact]
    public void Parsed_and_built_strings_and_numbers_hash_alike_whatever_their_escaping()
    {
        var texts = Enumerable.Range(0x20, 0x5F).Select(c => ((char)c).ToString())
            .Concat(["é", "日本", "\u0001", "a\"b", "tab\there", "😀", "</script>", "x+y&z'`"]).ToList();
        foreach (var text in texts)
        {
            var built = new JsonObject { ["s"] = text };
            var parsed = JsonNode.Parse(built.ToJsonString());
            var escaped = JsonNode.Parse("{\"s\":\"" + string.Concat(text.Select(c => $"\\u{(int)c:x4}")) + "\"}");

            JsonCanonical.Hash(parsed).Should().Be(JsonCanonical.Hash(built), text);
            JsonCanonical.Hash(escaped).Should().Be(JsonCanonical.Hash(built), text);
        }

        foreach (var number in new[] { "0", "-0", "7", "-7", "100", "123456789012345678901", "1234567890123456789012", "1.50", "2e3" })
        {
            var parsed = JsonNode.Parse(number);
            var canonical = JsonNode.Parse(JsonCanonical.Serialize(parsed));
            JsonCanonical.Hash(parsed).Should().Be(JsonCanonical.Hash(canonical), number);
            JsonEquality.Equals(parsed, canonical).Should().BeTrue(number);
        }
    }

    [Fact]
    public void Documents_nested_deeper_than_the_limit_are_refused_not_overflowing_the_stack()
    {
        var deep = Nested(100_000);

        var act = new Action[]
        {
            () => JsonEquality.Equals(deep, Nested(100_000)),
            () => JsonCanonical.Hash(deep),
            () => JsonMergePatch.Apply(new JsonObject(), deep),
            () => JsonMergePatch.Create(new JsonObject(), deep),
            () => JsonPatch.Create(new JsonObject(), deep),
            () => new JsonPatch([JsonPatchOperation.Add("/x", deep)]).Apply(new JsonObject()),
            () => JsonTree.Clone(deep),
        };

        foreach (var a in act)
        {
            a.Should().Throw<JsonDepthLimitExceededException>().Which.MaxDepth.Should().Be(64);
        }
    }

    [Fact]
    public void The_depth_limit_is_configurable()
    {
        var doc = Nested(10);

        JsonTree.Depth(doc).Should().Be(11);
        FluentActions.Invoking(() => JsonTree.Depth(doc, maxDepth: 5)).Should().Throw<JsonDepthLimitExceededException>()
            .WithMessage("*maximum depth of 5*");
        JsonEquality.Equals(doc, Nested(10), maxDepth: 11).Should().BeTrue();
    }

    [Fact]
    public void A_failing_operation_is_named_by_index_and_leaves_the_input_untouched()
    {
        var doc = JsonNode.Parse("""{"a":{"b":1},"list":[1,2]}""");
        var patch = JsonPatch.Parse("""[{"op":"add","path":"/a/c","value":2},{"op":"remove","path":"/a/missing"}]""");

        var act = () => patch.Apply(doc);

        act.Should().Throw<JsonPatchException>()
            .Where(e => e.OperationIndex == 1)
            .WithMessage("JSON Patch operation 1: the path '/a/missing' does not exist*");
        doc!.ToJsonString().Should().Be("""{"a":{"b":1},"list":[1,2]}""");
    }

    [Theory]
    [InlineData("{}", "must be a JSON array")]
    [InlineData("[{\"path\":\"/a\"}]", "operation 0: the member 'op' is missing")]
    [InlineData("[{\"op\":\"jump\",\"path\":\"/a\"}]", "'jump' is not an operation")]
    [InlineData("[{\"op\":\"add\",\"path\":\"/a\"}]", "the member 'value' of 'add' is missing")]
    [InlineData("[{\"op\":\"move\",\"path\":\"/a\"}]", "the member 'from' of 'move' is missing")]
    [InlineData("[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", "is not a JSON Pointer")]
    [InlineData("[{\"op\":\"add\",\"path\":\"/a~2\",\"value\":1}]", "is not a JSON Pointer")]
    [InlineData("[{\"op\":\"add\",\"path\":1,\"value\":1}]", "'path' must be a string")]
    [InlineData("[1", "not valid JSON")]
    public void Malformed_patches_are_refused_with_a_clear_message(string json, string message) =>
        FluentActions.Invoking(() => JsonPatch.Parse(json)).Should().Throw<JsonPatchException>().WithMessage($"*{message}*");

    [Fact]
    public void Json_patch_round_trips_through_json()
    {
        var text = """[{"op":"add","path":"/a~1b","value":{"x":1}},{"op":"move","from":"/a","path":"/c"},{"op":"remove","path":"/d/0"}]""";

        JsonPatch.Parse(text).ToJsonString().Should().Be(text);
    }

    [Fact]
    public void Json_patch_Create_trims_common_array_prefix_and_suffix()
    {
        var a = JsonNode.Parse("[1,2,3,4,5,6]");
        var b = JsonNode.Parse("[1,2,9,9,5,6]");

        JsonPatch.Create(a, b).ToJsonString().Should().Be("""[{"op":"replace","path":"/2","value":9},{"op":"replace","path":"/3","value":9}]""");
        JsonPatch.Create(JsonNode.Parse("[1,2,3]"), JsonNode.Parse("[1,7,2,3]")).Operations.Should().HaveCount(1);
    }

    [Fact]
    public void Json_patch_Create_replaces_mostly_changed_objects_in_arrays_whole()
    {
        var a = JsonNode.Parse("""[{"id":1,"name":"a","x":1},{"id":2,"name":"b","x":2}]""");
        var b = JsonNode.Parse("""[{"id":3,"name":"c","x":3},{"id":2,"name":"b","x":5}]""");

        var patch = JsonPatch.Create(a, b);

        patch.Operations.Select(o => o.ToString()).Should().Equal("replace /0", "replace /1/x");
    }

    [Fact]
    public void Merge_patch_Create_is_minimal()
    {
        var source = JsonNode.Parse("""{"metadata":{"name":"n","labels":{"a":"1"}},"spec":{"state":"RUNNING","parallelism":2,"keep":[1,2]}}""");
        var target = JsonNode.Parse("""{"metadata":{"name":"n","labels":{"a":"1","b":"2"}},"spec":{"state":"CANCELLED","parallelism":2.0,"keep":[1,2]}}""");

        JsonMergePatch.Create(source, target)!.ToJsonString()
            .Should().Be("""{"metadata":{"labels":{"b":"2"}},"spec":{"state":"CANCELLED"}}""");
        JsonMergePatch.IsEmpty(JsonMergePatch.Create(source, source)).Should().BeTrue();
    }

    [Fact]
    public void Merge_patch_Create_removes_members_with_null_and_replaces_arrays_whole()
    {
        var source = JsonNode.Parse("""{"a":1,"b":[1,2,3]}""");
        var target = JsonNode.Parse("""{"b":[1,2]}""");

        JsonMergePatch.Create(source, target)!.ToJsonString().Should().Be("""{"a":null,"b":[1,2]}""");
    }

    private static JsonNode Nested(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 0; i < depth; i++)
        {
            node = new JsonObject { ["a"] = node };
        }

        return node;
    }
}
