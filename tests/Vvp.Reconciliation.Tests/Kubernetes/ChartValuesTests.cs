using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>
/// The chart's <c>values.schema.json</c>, applied as Helm applies it (to values.yaml coalesced with the user's values)
/// before rendering: a value the operator would refuse fails at <c>helm install</c>, naming the value, instead of
/// rendering a pod that crash-loops; values it accepts render, and the operator accepts the settings they render to.
/// </summary>
public sealed class ChartValuesTests
{
    private static readonly string SchemaPath = Path.Combine(HelmRender.Chart, "values.schema.json");

    public static TheoryData<string, string, string> BadValues() => new()
    {
        { "an empty platform address", "vvp:\n  platform:\n    baseAddress: \"\"", "/vvp/platform/baseAddress" },
        { "no watched namespace", "vvp:\n  k8sOperator:\n    watchedNamespaces: []", "/vvp/k8sOperator/watchedNamespaces" },
        { "a namespace as a string", "vvp:\n  k8sOperator:\n    watchedNamespaces: vvp-jobs", "/vvp/k8sOperator/watchedNamespaces" },
        { "a namespace that is no DNS label", "vvp:\n  k8sOperator:\n    watchedNamespaces: [VVP_Jobs]", "/vvp/k8sOperator/watchedNamespaces/0" },
        { "an identity that is no DNS label", "vvp:\n  k8sOperator:\n    identity: Vvp 1", "/vvp/k8sOperator/identity" },
        { "an unknown deletion policy", "vvp:\n  k8sOperator:\n    deletionPolicy: Delet", "/vvp/k8sOperator/deletionPolicy" },
        { "an unknown spec write-back", "vvp:\n  k8sOperator:\n    specWriteBack: Commit", "/vvp/k8sOperator/specWriteBack" },
        { "no worker", "vvp:\n  k8sOperator:\n    workers: 0", "/vvp/k8sOperator/workers" },
        { "a negative resync", "vvp:\n  k8sOperator:\n    resyncPeriod: -1", "/vvp/k8sOperator/resyncPeriod" },
        { "a misspelt setting", "vvp:\n  k8sOperator:\n    identty: vvp-2", "/vvp/k8sOperator/identty" },
        { "replicas as a string", "replicaCount: \"2\"", "/replicaCount" },
        { "a port out of range", "port: 70000", "/port" },
        { "an unknown failure policy", "webhook:\n  failurePolicy: Maybe", "/webhook/failurePolicy" },
        { "an unknown log level", "logging:\n  level: Verbose", "/logging/level" },
        { "a digest that is no sha256", "image:\n  digest: latest", "/image/digest" },
    };

    public static TheoryData<string, string> GoodValues() => new()
    {
        { "the defaults", string.Empty },
        { "the documentation's values", "vvp:\n  k8sOperator:\n    watchedNamespaces: [vvp-jobs, vvp-batch]\n    authenticationRequired: true\n  platform:\n    baseAddress: https://vvp.example.com/" },
        { "GitOps settings and durations as hh:mm:ss", "vvp:\n  k8sOperator:\n    specWriteBack: Report\n    driftPolicy: Report\n    resyncPeriod: \"00:10:00\"\n    shutdownGrace: 30" },
        { "the webhook with a Secret", "webhook:\n  enabled: true\n  certManager:\n    enabled: false\n  certSecretName: tls\n  caBundle: LS0t" },
        { "plain http inside the cluster", "vvp:\n  platform:\n    baseAddress: http://vvp-ververica-platform.vvp.svc/\n    allowInsecureHttp: true" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void A_value_the_operator_would_refuse_fails_the_schema_naming_it(string what, string values, string path)
    {
        var errors = SchemaErrors(values);

        errors.Should().NotBeEmpty(what);
        errors.Should().Contain(e => e.Path == path, $"{what}: the error names {path} (found: {string.Join(", ", errors.Select(e => e.Path))})");
    }

    [SkippableTheory]
    [MemberData(nameof(GoodValues))]
    public async Task Values_the_operator_accepts_pass_the_schema_render_and_bind_without_a_problem(string what, string values)
    {
        SchemaErrors(values).Should().BeEmpty(what);
        var (documents, error) = await HelmRender.RenderAsync(values);

        error.Should().BeEmpty();
        var env = HelmRender.Single(documents, "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray()
            .Where(e => JsonRead.String(e, "value") is not null && JsonRead.String(e, "name")!.StartsWith("vvp__k8sOperator__", StringComparison.Ordinal))
            .ToDictionary(e => JsonRead.String(e, "name")!.Replace("__", ":", StringComparison.Ordinal), e => JsonRead.String(e, "value"));
        env["vvp:k8sOperator:holderIdentity"] = "pod-a";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(env).Build();
        using var provider = new ServiceCollection().AddVvpOperator(configuration.GetSection("vvp:k8sOperator")).BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<VvpOperatorOptions>>().Value;
        options.Problems().Should().BeEmpty(what);
    }

    [SkippableFact]
    public async Task With_the_operator_disabled_the_chart_renders_nothing_but_its_CRD()
    {
        var (enabled, _) = await HelmRender.RenderAsync();
        var (disabled, error) = await HelmRender.RenderAsync("vvp:\n  k8sOperator:\n    enabled: false");

        enabled.Should().Contain(d => Kind(d) == "Deployment", "the positive control");
        error.Should().BeEmpty();
        disabled.Should().BeEmpty("no Deployment, RBAC, Service or ServiceAccount for an operator that does not run");
        File.Exists(Path.Combine(HelmRender.Chart, "crds", "vvpdeployments.ververica.platform.yaml")).Should().BeTrue("Helm installs crds/ whatever the values");
    }

    [SkippableTheory]
    [InlineData("", "vvp-operator:0.1.0")]
    [InlineData("image:\n  tag: \"0.2.0-rc.1\"", "vvp-operator:0.2.0-rc.1")]
    [InlineData("image:\n  repository: registry.example.com/vvp-operator\n  digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "registry.example.com/vvp-operator@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public async Task The_image_is_the_charts_appVersion_unless_a_tag_or_a_digest_says_otherwise(string values, string image)
    {
        SchemaErrors(values).Should().BeEmpty();
        var (documents, error) = await HelmRender.RenderAsync(values);

        error.Should().BeEmpty();
        JsonRead.String(HelmRender.Single(documents, "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0], "image").Should().Be(image);
        ResourceReader.Read(File.ReadAllText(Path.Combine(HelmRender.Chart, "Chart.yaml"))).Document!["kubeVersion"]!.GetValue<string>().Should().NotBeEmpty();
    }

    private static string? Kind(JsonNode? document) => JsonRead.String(document, "kind");

    // Helm's order: values.yaml coalesced with the user's values (maps merged, anything else replaced), then the schema.
    private static List<(string Path, string Message)> SchemaErrors(string values)
    {
        var merged = (JsonObject)ResourceReader.Read(File.ReadAllText(Path.Combine(HelmRender.Chart, "values.yaml"))).Document!;
        if (values.Length > 0)
        {
            Coalesce(merged, (JsonObject)ResourceReader.Read(values).Document!);
        }

        var schema = JsonSchema.FromText(File.ReadAllText(SchemaPath), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        var result = schema.Evaluate(JsonSerializer.SerializeToElement(merged), new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid
            ? []
            : [.. (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => (d.InstanceLocation.ToString(), string.Join("; ", d.Errors!.Values)))];
    }

    private static void Coalesce(JsonObject into, JsonObject values)
    {
        foreach (var (key, value) in values.ToList())
        {
            if (value is JsonObject map && into[key] is JsonObject existing)
            {
                Coalesce(existing, map);
            }
            else
            {
                into[key] = value?.DeepClone();
            }
        }
    }
}
