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
        { "a misspelt top-level value", "replicas: 3", "/replicas" },
        { "a metrics port out of range", "metrics:\n  port: 0", "/metrics/port" },
        { "an extra variable without a name", "extraEnv:\n  - value: x", "/extraEnv/0" },
        { "a CA key that is no file name", "vvp:\n  platform:\n    caBundle:\n      configMapName: ca\n      key: ../ca.crt", "/vvp/platform/caBundle/key" },
        { "a fullname that is no DNS label", "fullnameOverride: VVP", "/fullnameOverride" },
    };

    public static TheoryData<string, string> GoodValues() => new()
    {
        { "the defaults", string.Empty },
        { "the documentation's values", "vvp:\n  k8sOperator:\n    watchedNamespaces: [vvp-jobs, vvp-batch]\n    authenticationRequired: true\n  platform:\n    baseAddress: https://vvp.example.com/" },
        { "GitOps settings and durations as hh:mm:ss", "vvp:\n  k8sOperator:\n    specWriteBack: Report\n    driftPolicy: Report\n    resyncPeriod: \"00:10:00\"\n    leaseDuration: \"00:00:40\"\n    renewDeadline: 30\n    shutdownGrace: 30" },
        { "every knob", AllKnobs },
        { "one replica, existing ServiceAccount and RBAC, a CA from a Secret", OwnAccount },
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
    [InlineData("", "vvp-operator:0.2.0")]
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

    private const string AllKnobs = """
        fullnameOverride: vvp-op
        nameOverride: vvp-operator-x
        serviceAccount:
          annotations:
            iam.example.com/role: vvp
        podLabels:
          team: data
        podAnnotations:
          example.com/owner: data
        extraEnv:
          - name: DOTNET_gcServer
            value: "0"
        extraVolumes:
          - name: extra
            emptyDir: {}
        extraVolumeMounts:
          - name: extra
            mountPath: /extra
        vvp:
          platform:
            caBundle:
              configMapName: platform-ca
        webhook:
          enabled: true
        priorityClassName: system-cluster-critical
        """;

    private const string OwnAccount = """
        replicaCount: 1
        serviceAccount:
          create: false
          name: vvp-operator-sa
        rbac:
          create: false
        startupProbe:
          enabled: false
        vvp:
          platform:
            caBundle:
              secretName: platform-ca
              key: bundle.pem
        webhook:
          enabled: true
          certManager:
            enabled: false
          certSecretName: tls
          caBundle: LS0t
        """;

    // The kinds Kubernetes 1.13's schema (kube-fake-api.py's) does not know: the webhook configuration (v1 came in 1.16)
    // and cert-manager's. ChartWebhookTests follows their route; every other kind is validated field by field.
    private static readonly string[] Unschemed = ["ValidatingWebhookConfiguration", "Issuer", "Certificate"];

    [SkippableTheory]
    [MemberData(nameof(GoodValues))]
    public async Task Values_the_schema_accepts_render_manifests_that_pass_kubectl_validate_strict(string what, string values)
    {
        var (documents, error) = await HelmRender.RenderAsync(values);
        error.Should().BeEmpty(what);
        await using var api = await KubeSchemaApi.StartAsync(Path.Combine(HelmRender.Chart, "crds", "vvpdeployments.ververica.platform.yaml"));

        var checkedKinds = documents.Where(d => !Unschemed.Contains(Kind(d))).ToList();
        var (exit, stdout, stderr) = await api.ValidateStrictAsync(Stream(checkedKinds));

        (exit, stderr).Should().Be((0, string.Empty), what);
        stdout.Should().Contain("deployment.apps/").And.Contain("(dry run)");

        // The positive control: a field the API does not know fails the same check.
        var broken = checkedKinds.Select(d => (JsonObject)d.DeepClone()).ToList();
        broken.Single(d => Kind(d) == "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!["livenessProbe"]!["httpGet"]!["paths"] = "/healthz";
        var refused = await api.ValidateStrictAsync(Stream(broken));
        refused.Exit.Should().NotBe(0);
        refused.Stderr.Should().Contain("unknown field \"paths\"");
    }

    [SkippableFact]
    public async Task Every_knob_reaches_the_manifests()
    {
        var (documents, error) = await HelmRender.RenderAsync(AllKnobs);
        error.Should().BeEmpty();

        var deployment = HelmRender.Single(documents, "Deployment");
        deployment["metadata"]!["name"]!.GetValue<string>().Should().Be("vvp-op");
        var pod = deployment["spec"]!["template"]!;
        pod["metadata"]!["labels"]!["team"]!.GetValue<string>().Should().Be("data");
        pod["metadata"]!["labels"]!["app.kubernetes.io/name"]!.GetValue<string>().Should().Be("vvp-operator-x");
        pod["metadata"]!["annotations"]!["example.com/owner"]!.GetValue<string>().Should().Be("data");
        pod["metadata"]!["annotations"]!["prometheus.io/port"]!.GetValue<string>().Should().Be("8081", "Prometheus scrapes the metrics port");
        pod["spec"]!["priorityClassName"]!.GetValue<string>().Should().Be("system-cluster-critical");
        var container = pod["spec"]!["containers"]![0]!;
        Names(container["env"]).Should().Contain(["DOTNET_gcServer", "vvp__platform__caFile"]);
        JsonRead.String(container["env"]!.AsArray().Single(e => JsonRead.String(e, "name") == "vvp__platform__caFile"), "value").Should().Be("/etc/vvp-operator/platform-ca/ca.crt");
        Names(container["volumeMounts"]).Should().Contain(["extra", "platform-ca"]);
        JsonRead.String(pod["spec"]!["volumes"]!.AsArray().Single(v => JsonRead.String(v, "name") == "platform-ca"), "configMap", "name").Should().Be("platform-ca");
        container["args"]!.AsArray().Select(a => a!.GetValue<string>()).Should().Contain("--vvp:metrics:url=http://0.0.0.0:8081");
        Names(container["ports"]).Should().Equal("http", "metrics", "webhook");
        container["startupProbe"]!["httpGet"]!["path"]!.GetValue<string>().Should().Be("/healthz");
        pod["spec"]!["affinity"]!["podAntiAffinity"]!["preferredDuringSchedulingIgnoredDuringExecution"]![0]!["podAffinityTerm"]!["topologyKey"]!.GetValue<string>().Should().Be("kubernetes.io/hostname");
        HelmRender.Single(documents, "PodDisruptionBudget")["spec"]!["maxUnavailable"]!.GetValue<int>().Should().Be(1);
        HelmRender.Single(documents, "ServiceAccount")["metadata"]!["annotations"]!["iam.example.com/role"]!.GetValue<string>().Should().Be("vvp");
        Names(HelmRender.Single(documents, "Service", "vvp-op")["spec"]!["ports"]).Should().Equal("http", "metrics");
    }

    [SkippableFact]
    public async Task One_replica_with_its_own_account_renders_no_PDB_anti_affinity_ServiceAccount_or_RBAC()
    {
        var (documents, error) = await HelmRender.RenderAsync(OwnAccount);
        error.Should().BeEmpty();

        documents.Select(Kind).Should().Contain("Deployment", "the positive control").And.NotContain(["PodDisruptionBudget", "ServiceAccount", "Role", "RoleBinding"]);
        var pod = HelmRender.Single(documents, "Deployment")["spec"]!["template"]!["spec"]!;
        pod["affinity"].Should().BeNull();
        pod["serviceAccountName"]!.GetValue<string>().Should().Be("vvp-operator-sa");
        pod["containers"]![0]!["startupProbe"].Should().BeNull();
        pod["volumes"]!.AsArray().Single(v => JsonRead.String(v, "name") == "platform-ca")!["secret"]!["items"]![0]!["key"]!.GetValue<string>().Should().Be("bundle.pem");
    }

    [SkippableTheory]
    [InlineData("vvp:\n  k8sOperator:\n    shutdownGrace: 20", "vvp.k8sOperator.shutdownGrace (20 s) must not exceed leaseDuration - retryPeriod (13 s)")]
    [InlineData("vvp:\n  k8sOperator:\n    shutdownGrace: \"00:01:00\"\n    leaseDuration: \"00:00:30\"", "vvp.k8sOperator.shutdownGrace (60 s) must not exceed leaseDuration - retryPeriod (28 s)")]
    [InlineData("vvp:\n  platform:\n    caBundle:\n      configMapName: a\n      secretName: b", "vvp.platform.caBundle: set configMapName or secretName, not both")]
    [InlineData("serviceAccount:\n  create: false", "serviceAccount.name (an existing ServiceAccount) is required")]
    public async Task Values_the_schema_cannot_judge_alone_fail_to_render_naming_them(string values, string message)
    {
        SchemaErrors(values).Should().BeEmpty("each value is valid on its own");
        var (documents, error) = await HelmRender.RenderAsync(values);

        documents.Should().BeEmpty();
        error.Should().Contain(message);
    }

    // One List, as kubectl reads it: each item is validated against its own kind's schema.
    private static string Stream(IEnumerable<JsonObject> documents) =>
        new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray([.. documents.Select(d => (JsonNode)d.DeepClone())]) }.ToJsonString();

    private static List<string?> Names(JsonNode? list) => [.. list!.AsArray().Select(e => JsonRead.String(e, "name"))];

    private const string TableStart = "<!-- values table: generated from charts/vvp-operator/values.schema.json by ChartValuesTests; VVP_WRITE_VALUES_TABLE=1 rewrites it -->";
    private const string TableEnd = "<!-- end of values table -->";

    [Fact]
    public void Every_value_has_a_description_and_its_schema_default_is_the_value_in_values_yaml()
    {
        var values = ResourceReader.Read(File.ReadAllText(Path.Combine(HelmRender.Chart, "values.yaml"))).Document!;
        var leaves = Leaves(JsonNode.Parse(File.ReadAllText(SchemaPath))!).ToList();

        leaves.Should().HaveCountGreaterThan(40, "the positive control: the schema is walked");
        foreach (var (path, schema) in leaves)
        {
            JsonRead.String(schema, "description").Should().NotBeNullOrWhiteSpace(path);
            schema["default"].Should().NotBeNull(path);
            var inValues = path.Split('.').Aggregate((JsonNode?)values, (node, key) => node?[key]);
            JsonNode.DeepEquals(schema["default"], inValues).Should().BeTrue($"{path}: the schema's default {schema["default"]?.ToJsonString()} is values.yaml's {inValues?.ToJsonString()}");
        }
    }

    [Fact]
    public void The_values_table_of_docs_operator_md_is_generated_from_the_schema()
    {
        var doc = Path.Combine(SharedFolder.RepositoryRoot(), "docs", "operator.md");
        var text = File.ReadAllText(doc);
        var table = ValuesTable(JsonNode.Parse(File.ReadAllText(SchemaPath))!);
        var start = text.IndexOf(TableStart, StringComparison.Ordinal);
        var end = text.IndexOf(TableEnd, StringComparison.Ordinal);
        start.Should().BeGreaterThanOrEqualTo(0, "docs/operator.md has the table's markers");
        var current = text[(start + TableStart.Length)..end].Trim('\n');
        if (current != table && Environment.GetEnvironmentVariable("VVP_WRITE_VALUES_TABLE") == "1")
        {
            File.WriteAllText(doc, text[..(start + TableStart.Length)] + "\n" + table + "\n" + text[end..]);
            return;
        }

        current.Should().Be(table, "the table is regenerated (VVP_WRITE_VALUES_TABLE=1) whenever the schema changes");
    }

    // Every value with no properties of its own (a setting), by its dotted path.
    private static IEnumerable<(string Path, JsonObject Schema)> Leaves(JsonNode schema, string prefix = "")
    {
        foreach (var (name, property) in schema["properties"]!.AsObject())
        {
            var path = prefix + name;
            if (property!["properties"] is JsonObject && name != "global")
            {
                foreach (var leaf in Leaves(property, path + "."))
                {
                    yield return leaf;
                }
            }
            else if (name != "global")
            {
                yield return (path, property.AsObject());
            }
        }
    }

    private static string ValuesTable(JsonNode schema)
    {
        var lines = new List<string> { "| value | type | default | description |", "|---|---|---|---|" };
        foreach (var (path, property) in Leaves(schema))
        {
            var type = property["enum"] is JsonArray choices
                ? string.Join(", ", choices.Select(c => $"`{c}`"))
                : property["anyOf"] is not null ? "seconds or `hh:mm:ss`" : JsonRead.String(property, "type") ?? "any";
            if (property["items"]?["type"] is JsonNode itemType && type == "array")
            {
                type = $"array of {itemType}";
            }

            var fallback = property["default"]?.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? string.Empty;
            lines.Add($"| `{path}` | {type} | `{fallback}` | {JsonRead.String(property, "description")?.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        return string.Join("\n", lines);
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
