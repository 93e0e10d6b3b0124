using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Documentation;

/// <summary>
/// Every YAML block of README.md and docs/*.md, used as the text around it says: a <c>VvpDeployment</c> is valid
/// by <c>vvp-reconcile validate</c>'s rules; a block of chart values (no <c>kind</c>) renders the chart, as
/// <c>helm install -f</c> would, and what it turns on is rendered.
/// </summary>
public sealed partial class DocumentationYamlTests
{
    public static TheoryData<string, int> Blocks() => DocumentationFiles.Blocks(YamlBlock());

    [SkippableTheory]
    [MemberData(nameof(Blocks))]
    public async Task Every_YAML_block_is_a_valid_CR_or_chart_values_the_chart_renders(string file, int index)
    {
        var code = YamlBlock().Matches(File.ReadAllText(Path.Combine(DocumentationFiles.Root, file)))[index].Groups["code"].Value;
        var documents = ResourceReader.ReadAll(code);

        documents.Should().NotBeEmpty();
        documents.Should().OnlyContain(d => d.IsSuccess, $"{file}, YAML block {index + 1} parses");
        foreach (var document in documents.Select(d => (JsonObject)d.Document!))
        {
            switch (JsonRead.String(document, "kind"))
            {
                case "VvpDeployment":
                    VvpDeploymentValidator.Validate(document).Errors.Should().BeEmpty($"{file}, YAML block {index + 1} is a valid CR");
                    break;
                case null:
                    var (rendered, error) = await HelmRender.RenderAsync(code);
                    error.Should().BeEmpty($"{file}, YAML block {index + 1} is values the chart renders");
                    rendered.Should().Contain(d => KindOf(d) == "Deployment");
                    if (JsonRead.At(document, "webhook", "enabled") is JsonValue on && on.GetValueKind() == System.Text.Json.JsonValueKind.True)
                    {
                        rendered.Should().Contain(d => KindOf(d) == "ValidatingWebhookConfiguration", "the block turns the webhook on");
                    }

                    break;
                default:
                    // Another kind (an Argo CD ConfigMap, a Flux Kustomization): parsed above.
                    break;
            }
        }
    }

    private static string? KindOf(JsonNode? document) => JsonRead.String(document, "kind");

    [GeneratedRegex(@"```yaml\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex YamlBlock();
}
