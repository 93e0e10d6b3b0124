using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Resources;

/// <summary>Writing a spec update back into the file it came from: YAML that reads back the same, one document replaced.</summary>
public sealed class ResourceWriterTests
{
    [Fact]
    public void Yaml_written_for_any_document_reads_back_to_the_same_tree()
    {
        JsonGen.Document().Where(d => d is JsonObject).Sample(
            document => JsonEquality.Equals(ResourceReader.Read(ResourceWriter.ToYaml(document)).Document, document),
            iter: 2_000,
            print: JsonGen.Print);
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("off")]
    [InlineData("123")]
    [InlineData("1e3")]
    [InlineData("null")]
    [InlineData("~")]
    [InlineData("")]
    [InlineData(".inf")]
    [InlineData("0x1F")]
    [InlineData("a: b")]
    [InlineData("- x")]
    [InlineData("line one\nline two")]
    [InlineData(" padded ")]
    [InlineData("#hash")]
    public void Strings_that_would_read_as_another_type_are_quoted(string value)
    {
        var document = new JsonObject { ["v"] = value };

        ResourceReader.Read(ResourceWriter.ToYaml(document)).Document!["v"]!.GetValue<string>().Should().Be(value);
    }

    [Fact]
    public void Replacing_one_document_leaves_the_others_and_the_comments_between_them_byte_for_byte()
    {
        const string First = "# the first CR\napiVersion: ververica.platform/v1\nkind: VvpDeployment   # trailing note\nmetadata:\n  name: a\n";
        const string Third = "# the third\nkind: VvpDeployment\nmetadata: {name: c}\n";
        var text = First + "---\n# the second\nkind: VvpDeployment\nmetadata:\n  name: b\nspec:\n  x: 1\n\n---\n" + Third;
        var replacement = new JsonObject { ["kind"] = "VvpDeployment", ["metadata"] = new JsonObject { ["name"] = "b" }, ["spec"] = new JsonObject { ["x"] = 2 } };

        var updated = ResourceWriter.ReplaceDocuments(text, new Dictionary<int, JsonNode?> { [1] = replacement });

        updated.Should().StartWith(First + "---\n# the second\n");
        updated.Should().EndWith("---\n" + Third);
        var documents = ResourceReader.ReadAll(updated);
        documents.Should().HaveCount(3);
        JsonEquality.Equals(documents[1].Document, replacement).Should().BeTrue();
        JsonEquality.Equals(documents[0].Document, ResourceReader.ReadAll(text)[0].Document).Should().BeTrue();
    }

    [Fact]
    public void A_flow_style_document_after_the_separator_is_replaced_by_block_YAML_on_its_own_line()
    {
        var text = "a: 1\n--- {b: 2}\n";

        var updated = ResourceWriter.ReplaceDocuments(text, new Dictionary<int, JsonNode?> { [1] = new JsonObject { ["b"] = 3 } });

        updated.Should().StartWith("a: 1\n---");
        ResourceReader.ReadAll(updated).Select(r => r.Document!.ToJsonString()).Should().Equal("""{"a":1}""", """{"b":3}""");
    }

    [Fact]
    public void A_JSON_file_stays_JSON()
    {
        var text = TestCrs.SeedDocument().ToJsonString() + "\n";
        var replacement = TestCrs.SeedDocument();
        replacement["spec"]!["syncingMode"] = "PUT";

        var updated = ResourceWriter.ReplaceDocuments(text, new Dictionary<int, JsonNode?> { [0] = replacement });

        updated.TrimStart().Should().StartWith("{");
        JsonNode.Parse(updated)!["spec"]!["syncingMode"]!.GetValue<string>().Should().Be("PUT");
    }

    [Fact]
    public void An_index_that_names_no_document_is_an_argument_error()
    {
        var act = () => ResourceWriter.ReplaceDocuments("a: 1\n---\n", new Dictionary<int, JsonNode?> { [1] = new JsonObject() });

        act.Should().Throw<ArgumentException>().WithMessage("*1 document(s)*no document 1*");
    }

    [Fact]
    public void Documents_are_counted_as_the_reader_counts_them()
    {
        var text = "a: 1\n---\n---\nb: 2\n---\n";

        ResourceReader.ReadAll(text).Should().HaveCount(3, "an empty document in the middle counts; a trailing one does not");
        var updated = ResourceWriter.ReplaceDocuments(text, new Dictionary<int, JsonNode?> { [2] = new JsonObject { ["b"] = 5 } });

        ResourceReader.ReadAll(updated)[2].Document!.ToJsonString().Should().Be("""{"b":5}""");
        Encoding.UTF8.GetByteCount(updated).Should().BeGreaterThan(0);
    }
}
