using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>
/// kubectl, as users and pipelines run it, against the Kubernetes API stand-in with the operator: <c>kubectl wait
/// --for=condition=Ready</c> on the documentation's example CR (SEMANTICS §9), and <c>kubectl apply</c> refused by the
/// admission webhook. The stand-in serves no OpenAPI document, so <c>apply</c> runs with <c>--validate=false</c>: the
/// webhook, not kubectl's client-side schema check, is what refuses.
/// </summary>
public sealed class KubectlEndToEndTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Kubectl_wait_for_condition_Ready_returns_once_the_operator_has_reconciled_the_documentations_example_CR()
    {
        Kubectl.Require();
        await using var session = await OperatorSession.StartAsync();
        var kubeconfig = Kubeconfig(session);
        var file = Path.Combine(SharedFolder.RepositoryRoot(), "samples", "QuickStart", "crs", "test-cr.yaml");

        var apply = await Kubectl.RunAsync(kubeconfig, Within, "apply", "--validate=false", "-n", OperatorSession.Namespace, "-f", file);
        apply.Exit.Should().Be(0, apply.Stderr);
        apply.Stdout.Should().Contain("vvpdeployment.ververica.platform/test-cr created");

        using var wait = Kubectl.Start(kubeconfig, "wait", "--for=condition=Ready", "vvpdeployment/test-cr", "-n", OperatorSession.Namespace, "--timeout=60s");
        await OperatorSession.Eventually(() => session.Api.Calls.Any(c => c.Verb == "watch" && c.Resource == "vvpdeployments"), "kubectl watches the CR");
        wait.HasExited.Should().BeFalse("nothing has reconciled the CR yet, so it is not Ready");
        session.Start(OperatorSession.Options());
        var (exit, stdout, stderr) = await Kubectl.EndAsync(wait, Within);

        exit.Should().Be(0, stderr);
        stdout.Should().Contain("vvpdeployment.ververica.platform/test-cr condition met");
        var cr = session.Cr("test-cr")!;
        JsonRead.Int64(cr, "status", "observedGeneration").Should().Be(JsonRead.Int64(cr, "metadata", "generation"));
    }

    [SkippableFact]
    public async Task Kubectl_wait_says_Stalled_for_an_invalid_CR_and_times_out_waiting_for_Ready()
    {
        Kubectl.Require();
        await using var session = await OperatorSession.StartAsync();
        var kubeconfig = Kubeconfig(session);
        session.Start(OperatorSession.Options());
        var cr = TestCrs.SeedDocument();
        cr["spec"]!["syncingMode"] = "PUT";
        session.Apply("bad-cr", cr);

        var stalled = await Kubectl.RunAsync(kubeconfig, Within, "wait", "--for=condition=Stalled", "vvpdeployment/bad-cr", "-n", OperatorSession.Namespace, "--timeout=30s");
        var ready = await Kubectl.RunAsync(kubeconfig, Within, "wait", "--for=condition=Ready", "vvpdeployment/bad-cr", "-n", OperatorSession.Namespace, "--timeout=2s");

        stalled.Exit.Should().Be(0, stalled.Stderr);
        stalled.Stdout.Should().Contain("condition met");
        ready.Exit.Should().NotBe(0);
        ready.Stderr.Should().Contain("timed out");
    }

    [SkippableFact]
    public async Task Kubectl_apply_of_an_invalid_CR_is_refused_with_the_validators_messages_and_a_server_side_dry_run_of_a_valid_one_passes()
    {
        Kubectl.Require();
        await using var session = await OperatorSession.StartAsync();
        using var certificates = TestCertificates.Create();
        await using var host = await AdmissionWebhookTests.WebhookHost.StartAsync(session, certificates);
        session.Api.AddAdmissionWebhook(host.Webhook(certificates.CaPem));
        var kubeconfig = Kubeconfig(session);
        var folder = Directory.CreateTempSubdirectory("vvp-kubectl-").FullName;
        try
        {
            var valid = File.ReadAllText(Path.Combine(SharedFolder.RepositoryRoot(), "samples", "QuickStart", "crs", "test-cr.yaml"));
            var invalid = CliRun.File(folder, "invalid-cr.yaml", valid.Replace("syncingMode: PATCH", "syncingMode: PUT", StringComparison.Ordinal));
            var expected = VvpAdmission(invalid);

            var refused = await Kubectl.RunAsync(kubeconfig, Within, "apply", "--validate=false", "-n", OperatorSession.Namespace, "-f", invalid);
            var dryRun = await Kubectl.RunAsync(kubeconfig, Within, "apply", "--validate=false", "--dry-run=server", "-n", OperatorSession.Namespace, "-f", CliRun.File(folder, "test-cr.yaml", valid));

            refused.Exit.Should().NotBe(0);
            refused.Stderr.Should().Contain($"admission webhook \"vvpdeployments.ververica.platform\" denied the request: {expected}");
            dryRun.Exit.Should().Be(0, dryRun.Stderr);
            dryRun.Stdout.Should().Contain("vvpdeployment.ververica.platform/test-cr created (server dry run)");
            session.Api.List(ApiResource.VvpDeployments, OperatorSession.Namespace).Should().BeEmpty("neither was stored");
            session.Api.AdmissionReviews.Should().Be(2);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // What the validator says of a CR file, as the webhook words it.
    private static string VvpAdmission(string file)
    {
        var document = ResourceReader.Read(File.ReadAllText(file)).Document!;
        ((JsonObject)document["metadata"]!)["namespace"] = OperatorSession.Namespace;
        return Vvp.Reconciliation.Kubernetes.VvpAdmission.Message(VvpDeploymentValidator.Validate(document).Errors);
    }

    private static string Kubeconfig(OperatorSession session)
    {
        var path = Path.Combine(Path.GetTempPath(), $"vvp-kubectl-{Guid.NewGuid():N}.yaml");
        session.Api.WriteKubeconfig(path);
        return path;
    }
}
