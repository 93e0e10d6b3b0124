using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>The CRD is generated from the validator's schema, committed as generated, structural, and accepts every example CR.</summary>
public sealed class CrdTests
{
    private static readonly string Root = SharedFolder.RepositoryRoot();

    public static TheoryData<string> CommittedCopies => new()
    {
        "deploy/crd/vvpdeployments.ververica.platform.yaml",
        "charts/vvp-operator/crds/vvpdeployments.ververica.platform.yaml",
    };

    public static TheoryData<string> ExampleCrs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "samples"), "*.yaml", SearchOption.AllDirectories)
                     .Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md"))
                     .Append(Path.Combine(Root, "README.md"))
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            foreach (var (_, index) in Examples(file).Select((e, i) => (e, i)))
            {
                data.Add($"{Path.GetRelativePath(Root, file)}#{index}");
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CommittedCopies))]
    public void The_committed_manifest_is_the_generated_one(string path)
    {
        var committed = File.ReadAllText(Path.Combine(Root, path));

        committed.Should().Be(VvpDeploymentCrd.ToYaml(), $"{path} is regenerated with 'vvp-reconcile crd > {path}' when the schema changes");
    }

    [Fact]
    public void The_schema_is_structural_as_the_API_server_requires()
    {
        VvpDeploymentCrd.StructuralViolations(Schema()).Should().BeEmpty();
        Schema().ToJsonString().Should().NotContain("$ref").And.NotContain("$defs");
    }

    [Fact]
    public void Every_map_value_may_be_null_so_a_PATCH_mode_removal_is_not_pruned_by_the_API_server()
    {
        // team: null in userMetadata.labels removes the label (RFC 7396); a schema without nullable values would let the
        // API server prune the null before the operator saw it, and the platform would keep the label.
        var maps = new List<(string Path, JsonObject Values)>();
        Collect(Schema(), "openAPIV3Schema", maps);

        maps.Select(m => m.Path).Should().Contain(p => p.EndsWith("userMetadata.properties.labels", StringComparison.Ordinal))
            .And.Contain(p => p.EndsWith("userMetadata.properties.annotations", StringComparison.Ordinal))
            .And.Contain(p => p.EndsWith("flinkConfiguration", StringComparison.Ordinal));
        maps.Should().OnlyContain(m => m.Values["nullable"] != null && m.Values["nullable"]!.GetValue<bool>(), "every map's values take null");

        static void Collect(JsonObject node, string path, List<(string, JsonObject)> maps)
        {
            if (node["additionalProperties"] is JsonObject values)
            {
                maps.Add((path, values));
            }

            foreach (var (key, child) in node)
            {
                if (child is JsonObject obj)
                {
                    Collect(obj, path + "." + key, maps);
                }
            }
        }
    }

    [Fact]
    public void The_structural_check_finds_what_the_API_server_would_refuse()
    {
        var bad = JsonNode.Parse("""
            {"type":"object","properties":{
              "a":{"properties":{"b":{"type":"string"}}},
              "c":{"$ref":"#/x"},
              "d":{"type":"object","properties":{"e":{"type":"string"}},"anyOf":[{"type":"object","properties":{"f":{"enum":[1]}}}]}}}
            """)!.AsObject();

        VvpDeploymentCrd.StructuralViolations(bad).Should().BeEquivalentTo(
            "openAPIV3Schema.properties.a: a type is required",
            "openAPIV3Schema.properties.c: $ref is not allowed",
            "openAPIV3Schema.properties.c: a type is required",
            "openAPIV3Schema.properties.d.anyOf[0]: 'type' is not allowed inside anyOf, oneOf, allOf or not",
            "openAPIV3Schema.properties.d.anyOf[0].properties.f: not declared outside the junctor");
    }

    [Fact]
    public void The_status_schema_keeps_everything_the_library_writes()
    {
        var status = Schema()["properties"]!["status"]!.AsObject();
        status["x-kubernetes-preserve-unknown-fields"]!.GetValue<bool>().Should().BeTrue();
        var written = (JsonObject)new Vvp.Reconciliation.Planning.DeploymentPlanner(new Vvp.Reconciliation.Planning.PlannerOptions { Identity = "vvp-1" })
            .Plan(TestCrs.Cr(), TestCrs.Live()).Status!;

        Evaluate(status, written).Should().BeTrue("a projected status validates against the status schema");
        foreach (var key in ((JsonObject)written["customResourceStatus"]!).Select(p => p.Key))
        {
            status["properties"]!["customResourceStatus"]!["properties"]!.AsObject().ContainsKey(key).Should().BeTrue($"customResourceStatus.{key} is declared");
        }
    }

    [Theory]
    [MemberData(nameof(ExampleCrs))]
    public void Every_example_CR_in_the_repository_validates_against_the_CRD(string example)
    {
        var (file, index) = (example[..example.IndexOf('#', StringComparison.Ordinal)], int.Parse(example[(example.IndexOf('#', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        var document = Examples(Path.Combine(Root, file))[index];

        Evaluate(Schema(), document).Should().BeTrue($"{example} is accepted by the API server");
        VvpDeploymentResource.FromDocument(document).Validate().IsValid.Should().BeTrue("and by the library");
    }

    [Fact]
    public void The_CRD_refuses_what_the_validator_refuses()
    {
        var document = TestCrs.SeedDocument();
        document["spec"]!["syncingMode"] = "MERGE";

        Evaluate(Schema(), document).Should().BeFalse();
        VvpDeploymentResource.FromDocument(document).Validate().IsValid.Should().BeFalse();
    }

    [Fact]
    public async Task The_CLI_prints_the_CRD()
    {
        var (exit, stdout, _) = await CliRun.RunAsync(null, null, "crd");

        exit.Should().Be(0);
        stdout.Should().Be(VvpDeploymentCrd.ToYaml());
    }

    private static JsonObject Schema() =>
        VvpDeploymentCrd.Generate()["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();

    // The API server's OpenAPI v3 as JSON Schema: nullable becomes a "null" type; the x-kubernetes-* keywords are annotations.
    private static bool Evaluate(JsonObject openApi, JsonNode document)
    {
        var schema = JsonSchema.FromText(AsJsonSchema(openApi.DeepClone()).ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        return schema.Evaluate(JsonDocument.Parse(document.ToJsonString()).RootElement).IsValid;
    }

    private static JsonNode AsJsonSchema(JsonNode node)
    {
        if (node is JsonObject obj)
        {
            if (obj["nullable"] is JsonValue n && n.GetValue<bool>() && obj["type"] is JsonValue type)
            {
                obj["type"] = new JsonArray(type.GetValue<string>(), "null");
            }

            foreach (var key in obj.Select(p => p.Key).Where(k => k is "nullable" || k.StartsWith("x-kubernetes-", StringComparison.Ordinal)).ToList())
            {
                obj.Remove(key);
            }

            foreach (var (_, child) in obj.ToList())
            {
                if (child is not null)
                {
                    AsJsonSchema(child);
                }
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                if (item is not null)
                {
                    AsJsonSchema(item);
                }
            }
        }

        return node;
    }

    // The VvpDeployment documents of a YAML file, or of the ```yaml blocks of a Markdown file.
    private static List<JsonNode> Examples(string file)
    {
        var texts = file.EndsWith(".md", StringComparison.Ordinal)
            ? System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(file), "```yaml\\n(?<y>.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline).Select(m => m.Groups["y"].Value)
            : [File.ReadAllText(file)];
        var result = new List<JsonNode>();
        foreach (var text in texts)
        {
            var read = ResourceReader.ReadAll(text);
            result.AddRange(read.Where(r => r.Document is JsonObject d && d["kind"]?.GetValue<string>() == "VvpDeployment").Select(r => r.Document!));
        }

        return result;
    }
}
