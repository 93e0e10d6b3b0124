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

    private const string Commented = """
        # owner: team-data
        apiVersion: ververica.platform/v1
        kind: VvpDeployment
        metadata:
          name: test-cr   # the CR's name

        spec:
          syncingMode: 'PUT'
          deployment:
            userMetadata:
              name: "test-cr"
              id: abc-1234        # set by the platform, scrubbed
              labels: {team: data}
            spec:
              state: CANCELLED
              # the jar
              template:
                spec:
                  artifact:
                    kind: JAR
                    jarUri: file:///a.jar   # built by CI

        """;

    [Fact]
    public void A_removed_key_loses_its_line_only_and_every_other_line_stays_byte_for_byte()
    {
        var updated = (JsonObject)ResourceReader.Read(Commented).Document!;
        updated["spec"]!["deployment"]!["userMetadata"]!.AsObject().Remove("id");

        var written = ResourceWriter.ReplaceDocuments(Commented, new Dictionary<int, JsonNode?> { [0] = updated });

        written.Should().Be(Commented.Replace("      id: abc-1234        # set by the platform, scrubbed\n", string.Empty, StringComparison.Ordinal));
    }

    [Fact]
    public void Added_keys_go_after_their_mapping_s_last_entry_and_a_changed_scalar_keeps_its_comment()
    {
        var updated = (JsonObject)ResourceReader.Read(Commented).Document!;
        var spec = updated["spec"]!["deployment"]!["spec"]!.AsObject();
        spec["jobFailureExpirationTime"] = "2h";
        spec["template"]!["spec"]!["parallelism"] = 3;
        spec["template"]!["spec"]!["artifact"]!["jarUri"] = "file:///b.jar";
        updated["spec"]!["deployment"]!["userMetadata"]!["displayName"] = "made in the UI";

        var written = ResourceWriter.ReplaceDocuments(Commented, new Dictionary<int, JsonNode?> { [0] = updated });

        written.Should().Be("""
            # owner: team-data
            apiVersion: ververica.platform/v1
            kind: VvpDeployment
            metadata:
              name: test-cr   # the CR's name

            spec:
              syncingMode: 'PUT'
              deployment:
                userMetadata:
                  name: "test-cr"
                  id: abc-1234        # set by the platform, scrubbed
                  labels: {team: data}
                  displayName: made in the UI
                spec:
                  state: CANCELLED
                  # the jar
                  template:
                    spec:
                      artifact:
                        kind: JAR
                        jarUri: file:///b.jar   # built by CI
                      parallelism: 3
                  jobFailureExpirationTime: 2h

            """);
    }

    [Fact]
    public void Edits_of_any_kind_read_back_as_the_new_document_and_keep_every_comment_of_an_untouched_entry()
    {
        // Generated documents written as YAML with a comment after every line, then changed at random: keys removed,
        // scalars changed, keys added, values replaced by other kinds.
        var changes = 0;
        var kept = 0;
        Gen.Select(JsonGen.Document().Where(d => d is JsonObject { Count: > 0 }), Gen.Int[0, 1_000_000]).Sample((document, seed) =>
        {
            var lines = ResourceWriter.ToYaml(document).TrimEnd('\n').Split('\n');
            var text = string.Concat(lines.Select((l, i) => l.EndsWith(':') || l.EndsWith('|') || l.EndsWith('>') || l.Contains('"', StringComparison.Ordinal) || l.Contains('\'', StringComparison.Ordinal) ? l + "\n" : $"{l} # c{i}\n"));
            if (!ResourceReader.Read(text).IsSuccess || !JsonEquality.Equals(ResourceReader.Read(text).Document, document))
            {
                return true;
            }

            var random = new Random(seed);
            var updated = (JsonObject)document!.DeepClone();
            Change(updated, random);
            Interlocked.Increment(ref changes);
            var written = ResourceWriter.ReplaceDocuments(text, new Dictionary<int, JsonNode?> { [0] = updated });
            if (!JsonEquality.Equals(ResourceReader.Read(written).Document, updated))
            {
                return false;
            }

            // Every top-level entry the change left alone keeps its commented line as it was.
            foreach (var line in text.Split('\n').Where(l => l.Length > 0 && l[0] != ' ' && l[0] != '-' && l.Contains(" # c", StringComparison.Ordinal)))
            {
                var key = ResourceReader.Read(line).Document as JsonObject;
                if (key is { Count: 1 } && key.First() is var (name, _) && updated.TryGetPropertyValue(name, out var now) &&
                    JsonEquality.Equals(now, document[name]) && !written.Contains(line + "\n", StringComparison.Ordinal))
                {
                    return false;
                }
            }

            Interlocked.Increment(ref kept);
            return true;
        }, iter: 1_000, print: t => JsonGen.Print(t.Item1) + " seed " + t.Item2);

        changes.Should().BeGreaterThan(500);
        kept.Should().Be(changes);
    }

    private static void Change(JsonObject obj, Random random)
    {
        var keys = obj.Select(p => p.Key).ToList();
        var key = keys[random.Next(keys.Count)];
        switch (random.Next(4))
        {
            case 0:
                obj.Remove(key);
                break;
            case 1 when obj[key] is JsonObject { Count: > 0 } inner:
                Change(inner, random);
                break;
            case 2:
                obj[key] = random.Next(2) == 0 ? "changed" : JsonValue.Create(random.Next());
                break;
            default:
                obj["added" + random.Next(100)] = new JsonObject { ["a"] = new JsonArray(1, "x"), ["b"] = "y" };
                break;
        }
    }
}
