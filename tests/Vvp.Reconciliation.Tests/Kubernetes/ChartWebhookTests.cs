using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Operator;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>
/// The chart's admission webhook, rendered as Helm renders it: off by default; on, the API server is sent to the
/// endpoint the operator serves, over the certificate the operator reads, for the watched namespaces only.
/// </summary>
public sealed class ChartWebhookTests
{
    [SkippableFact]
    public async Task With_the_webhook_off_by_default_nothing_of_it_is_rendered()
    {
        var (documents, error) = await HelmRender.RenderAsync();

        error.Should().BeEmpty();
        documents.Should().Contain(d => Kind(d) == "Deployment", "the positive control: the chart rendered");
        documents.Should().NotContain(d => Kind(d) == "ValidatingWebhookConfiguration");
        Env(Container(documents)).Keys.Should().NotContain(k => k.StartsWith("vvp__webhook__", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task With_cert_manager_the_API_server_calls_the_endpoint_the_operator_serves_over_the_certificate_it_reads()
    {
        var (documents, error) = await HelmRender.RenderAsync("""
            vvp:
              k8sOperator:
                watchedNamespaces: [vvp-jobs, vvp-batch]
            webhook:
              enabled: true
            """);

        error.Should().BeEmpty();
        var configuration = HelmRender.Single(documents, "ValidatingWebhookConfiguration");
        var webhook = configuration["webhooks"]![0]!;
        var service = HelmRender.Single(documents, "Service", "-webhook");
        var certificate = HelmRender.Single(documents, "Certificate");
        var container = Container(documents);
        var env = Env(container);
        var settings = WebhookSettings.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(env.Where(e => e.Key.StartsWith("vvp__webhook__", StringComparison.Ordinal)).Select(e => KeyValuePair.Create(e.Key["vvp__webhook__".Length..], (string?)e.Value)))
            .Build());

        // The route: webhook configuration → Service → container port → the address the operator listens on.
        JsonRead.String(webhook, "clientConfig", "service", "path").Should().Be(WebhookSettings.Path);
        JsonRead.String(webhook, "clientConfig", "service", "name").Should().Be(JsonRead.String(service, "metadata", "name"));
        var targetPort = JsonRead.String(service["spec"]!["ports"]![0], "targetPort");
        var containerPort = container["ports"]!.AsArray().Single(p => JsonRead.String(p, "name") == targetPort);
        JsonRead.Int64(containerPort, "containerPort").Should().Be(settings.Url.Port);
        settings.Enabled.Should().BeTrue();

        // The certificate: issued for the Service's DNS name into the Secret the pod mounts where the operator reads it.
        var volume = Pod(documents)["volumes"]!.AsArray().Single(v => JsonRead.String(v, "secret", "secretName") == JsonRead.String(certificate, "spec", "secretName"));
        var mount = container["volumeMounts"]!.AsArray().Single(m => JsonRead.String(m, "name") == JsonRead.String(volume, "name"));
        Path.GetDirectoryName(settings.CertFile).Should().Be(JsonRead.String(mount, "mountPath"));
        Path.GetDirectoryName(settings.KeyFile).Should().Be(JsonRead.String(mount, "mountPath"));
        (Path.GetFileName(settings.CertFile), Path.GetFileName(settings.KeyFile)).Should().Be(("tls.crt", "tls.key"), "the keys of a kubernetes.io/tls Secret");
        certificate["spec"]!["dnsNames"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Contain($"{JsonRead.String(service, "metadata", "name")}.vvp-operator.svc");
        JsonRead.String(configuration, "metadata", "annotations", "cert-manager.io/inject-ca-from").Should().Be($"vvp-operator/{JsonRead.String(certificate, "metadata", "name")}");

        // What it judges: the CRs of the watched namespaces, with no side effects, AdmissionReview v1.
        JsonRead.String(webhook, "sideEffects").Should().Be("None");
        webhook["admissionReviewVersions"]!.AsArray().Select(v => v!.GetValue<string>()).Should().Contain("v1");
        JsonRead.String(webhook, "failurePolicy").Should().Be("Fail");
        var selector = webhook["namespaceSelector"]!["matchExpressions"]![0]!;
        (JsonRead.String(selector, "key"), JsonRead.String(selector, "operator")).Should().Be(("kubernetes.io/metadata.name", "In"));
        selector["values"]!.AsArray().Select(v => v!.GetValue<string>()).Should().Equal("vvp-jobs", "vvp-batch");
        var rule = webhook["rules"]![0]!;
        rule["resources"]!.AsArray().Select(r => r!.GetValue<string>()).Should().Equal("vvpdeployments");
        rule["operations"]!.AsArray().Select(o => o!.GetValue<string>()).Should().Equal("CREATE", "UPDATE");
        rule["apiGroups"]!.AsArray().Select(g => g!.GetValue<string>()).Should().Equal("ververica.platform");
    }

    [SkippableFact]
    public async Task Without_cert_manager_the_chart_requires_a_Secret_and_its_CA_and_uses_them()
    {
        var (_, missing) = await HelmRender.RenderAsync("""
            webhook:
              enabled: true
              certManager:
                enabled: false
            """);
        var (documents, error) = await HelmRender.RenderAsync("""
            webhook:
              enabled: true
              certManager:
                enabled: false
              certSecretName: my-webhook-tls
              caBundle: LS0tLS1CRUdJTi0tLS0t
              failurePolicy: Ignore
            """);

        missing.Should().Contain("webhook.certSecretName");
        error.Should().BeEmpty();
        documents.Should().NotContain(d => Kind(d) == "Certificate" || Kind(d) == "Issuer");
        var webhook = HelmRender.Single(documents, "ValidatingWebhookConfiguration")["webhooks"]![0]!;
        JsonRead.String(webhook, "clientConfig", "caBundle").Should().Be("LS0tLS1CRUdJTi0tLS0t");
        JsonRead.String(webhook, "failurePolicy").Should().Be("Ignore");
        Pod(documents)["volumes"]!.AsArray().Should().Contain(v => SecretName(v) == "my-webhook-tls");
    }

    private static string? Kind(JsonNode? document) => JsonRead.String(document, "kind");

    private static string? SecretName(JsonNode? volume) => JsonRead.String(volume, "secret", "secretName");

    private static JsonObject Pod(IReadOnlyList<JsonObject> documents) => (JsonObject)HelmRender.Single(documents, "Deployment")["spec"]!["template"]!["spec"]!;

    private static JsonObject Container(IReadOnlyList<JsonObject> documents) => (JsonObject)Pod(documents)["containers"]![0]!;

    private static Dictionary<string, string?> Env(JsonObject container) =>
        container["env"]!.AsArray().ToDictionary(e => JsonRead.String(e, "name")!, e => JsonRead.String(e, "value"));
}
