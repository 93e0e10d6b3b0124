using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Resources;

public sealed class ResourceReaderTests
{
    [Theory]
    [InlineData("v: 99", JsonValueKind.Number, "99")]
    [InlineData("v: \"99\"", JsonValueKind.String, "\"99\"")]
    [InlineData("v: '99'", JsonValueKind.String, "\"99\"")]
    [InlineData("v: true", JsonValueKind.True, "true")]
    [InlineData("v: False", JsonValueKind.False, "false")]
    [InlineData("v: yes", JsonValueKind.True, "true")]
    [InlineData("v: 1.5e3", JsonValueKind.Number, "1.5e3")]
    [InlineData("v: .5", JsonValueKind.Number, "0.5")]
    [InlineData("v: +7", JsonValueKind.Number, "7")]
    [InlineData("v: 0x1F", JsonValueKind.Number, "31")]
    [InlineData("v: 0o17", JsonValueKind.Number, "15")]
    [InlineData("v: 007", JsonValueKind.Number, "7")]
    [InlineData("v: 1g", JsonValueKind.String, "\"1g\"")]
    [InlineData("v: !!str 42", JsonValueKind.String, "\"42\"")]
    [InlineData("v: !!int \"42\"", JsonValueKind.Number, "42")]
    [InlineData("v: 2026-01-01", JsonValueKind.String, "\"2026-01-01\"")]
    public void Yaml_scalars_keep_their_types(string yaml, JsonValueKind kind, string json)
    {
        var value = ResourceReader.Read(yaml).Document!["v"]!;

        value.GetValueKind().Should().Be(kind);
        value.ToJsonString().Should().Be(json);
    }

    [Theory]
    [InlineData("v: yes", true)]
    [InlineData("v: Yes", true)]
    [InlineData("v: ON", true)]
    [InlineData("v: on", true)]
    [InlineData("v: no", false)]
    [InlineData("v: No", false)]
    [InlineData("v: off", false)]
    [InlineData("v: OFF", false)]
    [InlineData("v: tRuE", true)]
    public void The_YAML_1_1_booleans_kubectl_accepts_are_booleans_in_any_case(string yaml, bool expected)
    {
        ResourceReader.Read(yaml).Document!["v"]!.GetValue<bool>().Should().Be(expected);
    }

    [Theory]
    [InlineData("v: 'yes'")]
    [InlineData("v: \"on\"")]
    [InlineData("v: !!str no")]
    [InlineData("v: y")]
    public void Quoted_or_tagged_yes_and_no_stay_strings(string yaml)
    {
        ResourceReader.Read(yaml).Document!["v"]!.GetValueKind().Should().Be(JsonValueKind.String);
    }

    [Fact]
    public void A_flow_style_document_starting_with_a_brace_that_is_not_strict_JSON_is_read_as_YAML()
    {
        var read = ResourceReader.Read("{kind: VvpDeployment, metadata: {name: test-cr}, spec: {syncingMode: PATCH}} # a comment");

        read.IsSuccess.Should().BeTrue(string.Join(" | ", read.Errors));
        read.Document!["metadata"]!["name"]!.GetValue<string>().Should().Be("test-cr");
        read.Document!["spec"]!["syncingMode"]!.GetValue<string>().Should().Be("PATCH");
    }

    [Fact]
    public void Text_that_neither_JSON_nor_YAML_can_read_reports_the_JSON_error()
    {
        var read = ResourceReader.Read("{\"kind\": [1, 2}");

        read.IsSuccess.Should().BeFalse();
        read.Errors[0].Message.Should().Contain("JSON cannot be read");
    }

    [Theory]
    [InlineData("\n---\n")]
    [InlineData("\n---")]
    [InlineData("\n---\n---\n")]
    public void A_trailing_empty_document_is_ignored(string ending)
    {
        var text = TestCrs.SeedTestCrYaml + ending;

        ResourceReader.ReadAll(text).Should().ContainSingle().Which.IsSuccess.Should().BeTrue();
        ResourceReader.Read(text).Document!["metadata"]!["name"]!.GetValue<string>().Should().Be("test-cr");
    }

    [Fact]
    public void An_explicit_null_document_is_kept_as_a_document()
    {
        ResourceReader.ReadAll("a: 1\n--- ~\n").Should().HaveCount(2);
    }

    [Fact]
    public void A_file_of_only_separators_holds_no_document()
    {
        ResourceReader.ReadAll("---\n---\n").Should().BeEmpty();
        ResourceReader.Read("---\n").Errors[0].Message.Should().Contain("empty");
    }

    [Theory]
    [InlineData("spec: !!map\n  a: 1")]
    [InlineData("spec: !!seq\n  - 1")]
    [InlineData("spec: !\n  a: 1")]
    public void A_tag_that_restates_the_collection_is_accepted(string yaml)
    {
        ResourceReader.Read(yaml).IsSuccess.Should().BeTrue();
    }

    [Theory]
    [InlineData("v: ~")]
    [InlineData("v: null")]
    [InlineData("v: NULL")]
    [InlineData("v:")]
    public void Yaml_nulls_are_null(string yaml)
    {
        var document = ResourceReader.Read(yaml).Document!.AsObject();

        document.ContainsKey("v").Should().BeTrue();
        document["v"].Should().BeNull();
    }

    [Fact]
    public void The_format_is_decided_by_content_not_by_name()
    {
        var json = ResourceReader.Read("\uFEFF  \n {\"kind\": \"VvpDeployment\", \"n\": 1.0}");
        var yaml = ResourceReader.Read("kind: VvpDeployment\nn: 1.0");

        json.IsSuccess.Should().BeTrue();
        JsonEquality.Equals(json.Document, yaml.Document).Should().BeTrue();
    }

    [Fact]
    public void Yaml_and_json_of_the_same_CR_read_alike()
    {
        var fromYaml = ResourceReader.Read(TestCrs.SeedTestCrYaml).Document;
        var fromJson = ResourceReader.Read(Encoding.UTF8.GetBytes(fromYaml!.ToJsonString())).Document;

        JsonEquality.Equals(fromYaml, fromJson).Should().BeTrue();
        fromYaml["spec"]!["deployment"]!["spec"]!["template"]!["spec"]!["artifact"]!["jarUri"]!.GetValue<string>()
            .Should().Be("file:///flink/examples/streaming/TopSpeedWindowing.jar", "a folded scalar joins its lines");
    }

    [Fact]
    public void Anchors_aliases_and_merge_keys_are_expanded()
    {
        var document = ResourceReader.Read("""
            base: &base {cpu: 1, memory: 1g}
            jobmanager: *base
            taskmanager:
              <<: *base
              memory: 2g
            """).Document!;

        document["jobmanager"]!.ToJsonString().Should().Be("""{"cpu":1,"memory":"1g"}""");
        JsonEquality.Equals(document["taskmanager"], JsonNode.Parse("""{"cpu":1,"memory":"2g"}""")).Should().BeTrue();
    }

    [Fact]
    public void ReadAll_reads_every_document_of_a_stream()
    {
        var results = ResourceReader.ReadAll("a: 1\n---\nb: 2\n");

        results.Should().HaveCount(2);
        results.Select(r => r.Document!.ToJsonString()).Should().Equal("""{"a":1}""", """{"b":2}""");
    }

    [Fact]
    public void Size_and_depth_limits_are_configurable()
    {
        var options = new ResourceReaderOptions { MaxBytes = 10, MaxDepth = 2, MaxNodes = 3 };

        ResourceReader.Read("a: 12345678901", options).Errors.Single().Message.Should().Contain("10 bytes");
        ResourceReader.Read("{\"a\":{\"b\":{\"c\":1}}}", options with { MaxBytes = 100 }).Errors.Single().Message.Should().Contain("depth of 2");
        ResourceReader.Read("[1, 2, 3, 4]", options with { MaxBytes = 100 }).Errors.Single().Message.Should().Contain("more than 3 values");
    }

    [Fact]
    public void A_yaml_syntax_error_names_the_line()
    {
        var error = ResourceReader.Read("a: b\nc: 'unterminated\n").Errors.Single();

        error.Message.Should().StartWith("The YAML cannot be read at line").And.EndWith(".");
    }

    [Fact]
    public void Reading_arbitrary_text_never_throws_it_gives_a_document_or_errors()
    {
        var alphabet = "ab: -[]{}&*!|>'\"#%@`,?~\n\t 1.e";
        Gen.String[Gen.Char[alphabet], 0, 60].Sample(text =>
        {
            var result = ResourceReader.Read(text);
            return result.IsSuccess ? result.Errors.Count == 0 : result.Errors.Count > 0 && result.Errors.All(e => e.Message.EndsWith('.'));
        }, iter: 20_000);
    }

    [Fact]
    public void A_resource_never_loses_unknown_fields_on_a_round_trip()
    {
        var text = TestCrs.SeedDocument();
        text["spec"]!["deployment"]!["spec"]!["futureField"] = new JsonObject { ["x"] = new JsonArray(1, "two", null) };
        text["extraTopLevel"] = "kept";

        var resource = VvpDeploymentResource.FromDocument(text);

        resource.ToJsonNode().ToJsonString().Should().Be(text.ToJsonString());
        resource.SyncingMode.Should().Be(SyncingMode.Patch);
        resource.Target.Should().Be(new DeploymentTarget("default", "test-cr"));
        resource.Name.Should().Be("test-cr");
        resource.KubernetesNamespace.Should().Be("default");
        resource.Generation.Should().BeNull();
        resource.InitFields!["spec"]!["maxSavepointCreationAttempts"]!.GetValue<int>().Should().Be(999);
    }

    [Fact]
    public void A_resource_is_a_copy_so_later_changes_to_the_tree_do_not_show()
    {
        var tree = TestCrs.SeedDocument();
        var resource = VvpDeploymentResource.FromDocument(tree);

        tree["spec"]!["syncingMode"] = "PUT";

        resource.SyncingMode.Should().Be(SyncingMode.Patch);
    }
}
