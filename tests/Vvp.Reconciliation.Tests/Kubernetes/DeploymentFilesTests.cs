using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>
/// The Helm chart and the image recipe, checked offline (no Helm, Docker or cluster here): every manifest parses,
/// templates use only defined values, the RBAC rules are exactly the calls the operator makes, and the
/// Dockerfile publishes the operator the tests run.
/// </summary>
public sealed partial class DeploymentFilesTests
{
    private static readonly string Root = SharedFolder.RepositoryRoot();
    private static readonly string Chart = Path.Combine(Root, "charts", "vvp-operator");

    [Fact]
    public void The_chart_files_parse()
    {
        Yaml("Chart.yaml")["name"]!.GetValue<string>().Should().Be("vvp-operator");
        Yaml("values.yaml")["vvp"]!["k8sOperator"]!["identity"]!.GetValue<string>().Should().Be("vvp-1");
        var crd = Yaml(Path.Combine("crds", "vvpdeployments.ververica.platform.yaml"));
        crd["kind"]!.GetValue<string>().Should().Be("CustomResourceDefinition");
    }

    [Fact]
    public void Templates_reference_only_defined_values()
    {
        var values = Yaml("values.yaml");
        var references = Directory.GetFiles(Path.Combine(Chart, "templates"))
            .SelectMany(f => ValuesReference().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Path: m.Groups["path"].Value)))
            .ToList();

        references.Should().NotBeEmpty();
        references.Where(r => JsonRead.At(values, r.Path.Split('.')) is null && !HasKey(values, r.Path.Split('.')))
            .Should().BeEmpty("every .Values path a template uses is defined in values.yaml");
    }

    [Fact]
    public void The_values_of_vvp_k8sOperator_are_settings_the_operator_accepts()
    {
        var section = (JsonObject)Yaml("values.yaml")["vvp"]!["k8sOperator"]!;
        var settings = new Dictionary<string, string?>();
        foreach (var (key, value) in section)
        {
            if (value is JsonArray list)
            {
                settings[$"vvp:k8sOperator:{key}"] = string.Join(",", list.Select(i => i!.ToString()));
            }
            else
            {
                settings[$"vvp:k8sOperator:{key}"] = value!.ToString();
            }
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddVvpOperator(configuration.GetSection("vvp:k8sOperator")).BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<VvpOperatorOptions>>().Value;

        options.Identity.Should().Be("vvp-1");
        options.WatchedNamespaces.Should().Equal("vvp-jobs");
        var deployment = File.ReadAllText(Path.Combine(Chart, "templates", "deployment.yaml"));
        foreach (var key in section.Select(p => p.Key))
        {
            deployment.Should().Contain($"name: vvp__k8sOperator__{key}", $"the Deployment passes vvp.k8sOperator.{key} to the operator");
        }
    }

    [SkippableFact]
    public async Task The_Deployment_runs_non_root_with_a_read_only_root_filesystem_and_probes()
    {
        var (documents, error) = await HelmRender.RenderAsync();
        error.Should().BeEmpty();
        var pod = HelmRender.Single(documents, "Deployment")["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]![0]!;

        pod["securityContext"]!["runAsNonRoot"]!.GetValue<bool>().Should().BeTrue();
        container["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>().Should().BeTrue();
        container["securityContext"]!["allowPrivilegeEscalation"]!.GetValue<bool>().Should().BeFalse();
        container["startupProbe"]!["httpGet"]!["path"]!.GetValue<string>().Should().Be("/healthz");
        container["livenessProbe"]!["httpGet"]!["path"]!.GetValue<string>().Should().Be("/healthz");
        container["readinessProbe"]!["httpGet"]!["path"]!.GetValue<string>().Should().Be("/readyz");
        container["resources"]!["limits"]!["memory"]!.GetValue<string>().Should().Be(Yaml("values.yaml")["resources"]!["limits"]!["memory"]!.GetValue<string>(), "resources come from values.yaml");
    }

    [Fact]
    public async Task The_RBAC_rules_are_exactly_the_calls_the_operator_makes()
    {
        await using var session = await OperatorSession.StartAsync();
        var observed = new HashSet<(string Group, string Resource, string Verb)>();
        void Collect() => observed.UnionWith(session.Api.Calls.Where(c => c.StatusCode != 0).Select(c => (c.Group, c.Resource, c.Verb)));

        // Everything an operator does: lock, lease, list and watch, secrets, status and spec writes, finalizers,
        // events counted up, a restart that finds its lock and its events, a broken watch, a create confirmed
        // against the API, a deletion.
        session.Vvp.AddToken("t", PlatformRole.Editor);
        session.Api.Create(ApiResource.Secrets, OperatorSession.Namespace, ControllerEndToEndTests.Secret("token", "t"));
        Action<VvpOperatorOptions> configure = o =>
        {
            o.DeletionPolicy = Vvp.Reconciliation.Planning.DeletionPolicy.Delete;
            o.AuthenticationRequired = true;
            o.ResyncPeriod = TimeSpan.FromMilliseconds(300);
        };
        var first = session.Start(OperatorSession.Options(configure: configure));
        var failing = TestCrs.SeedDocument();
        failing["metadata"]!["annotations"] = new JsonObject { ["apikeySecretName"] = "missing" };
        session.Apply("failing", failing);
        var cr = TestCrs.SeedDocument();
        cr["metadata"]!["annotations"] = new JsonObject { ["apikeySecretName"] = "token" };
        ((JsonObject)cr["spec"]!["deployment"]!["userMetadata"]!)["id"] = "scrubbed";
        session.Apply("test-cr", cr);
        await OperatorSession.Eventually(() => session.State("test-cr") == "SYNCING" && session.Cr("test-cr")!["spec"]!["deployment"]!["userMetadata"]!["id"] is null, "the CR is synced and scrubbed");
        await OperatorSession.Eventually(() => session.Api.Calls.Any(c => c.Resource == "events" && c.Verb == "patch"), "an event is counted up");
        await first.StopAsync();

        var second = session.Start(OperatorSession.Options(configure: configure));
        await OperatorSession.Eventually(() => session.Api.Calls.Any(c => c.Resource == "events" && c.Verb == "get"), "the restart continues an event's count");
        session.Api.Faults.FailNext("watch", "vvpdeployments", 503, times: 20);
        session.Api.DropWatches();
        var late = TestCrs.SeedDocument();
        late["metadata"]!["annotations"] = new JsonObject { ["apikeySecretName"] = "token" };
        session.Apply("after-restart", late);
        await OperatorSession.Eventually(() => session.Vvp.Snapshot("default", "after-restart") is not null, "a CR is read again before its deployment is created");
        session.Api.Delete(ApiResource.VvpDeployments, OperatorSession.Namespace, "test-cr");
        await OperatorSession.Eventually(() => session.Cr("test-cr") is null, "the CR's deletion finished");
        Collect();

        var rules = Rules("watched namespace").Concat(Rules("lease namespace")).ToHashSet();
        observed.Should().BeEquivalentTo(rules, "the chart grants exactly what the operator uses");
    }

    // The rules between '# rules: <which>' and '# end rules' in rbac.yaml, as (group, resource, verb).
    private static IEnumerable<(string Group, string Resource, string Verb)> Rules(string which)
    {
        var text = File.ReadAllText(Path.Combine(Chart, "templates", "rbac.yaml"));
        var block = Regex.Match(text, $@"# rules: {which}\n(?<rules>.*?)# end rules", RegexOptions.Singleline).Groups["rules"].Value;
        var rules = (JsonArray)ResourceReader.Read(UnIndent(block)).Document!;
        foreach (var rule in rules.OfType<JsonObject>())
        {
            foreach (var group in rule["apiGroups"]!.AsArray().Select(g => g!.GetValue<string>()))
            {
                foreach (var resource in rule["resources"]!.AsArray().Select(r => r!.GetValue<string>()))
                {
                    foreach (var verb in rule["verbs"]!.AsArray().Select(v => v!.GetValue<string>()))
                    {
                        yield return (group, resource, verb);
                    }
                }
            }
        }
    }

    private static string UnIndent(string block)
    {
        var lines = block.Split('\n').Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')).ToList();
        var indent = lines.Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', lines.Select(l => l[indent..]));
    }

    private static JsonObject Yaml(string relative) => (JsonObject)ResourceReader.Read(File.ReadAllText(Path.Combine(Chart, relative))).Document!;

    private static bool HasKey(JsonObject values, string[] path)
    {
        JsonNode? node = values;
        foreach (var key in path[..^1])
        {
            node = node?[key];
        }

        return node is JsonObject parent && parent.ContainsKey(path[^1]);
    }

    [GeneratedRegex(@"\.Values\.(?<path>[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*)")]
    private static partial Regex ValuesReference();
}
