using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Builder;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Operator;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>
/// The validating admission webhook (SEMANTICS §1: an invalid CR never reaches the platform — with the webhook, it
/// never reaches the API server's store either). The decision alone, then end to end: the operator process's HTTPS
/// endpoint called by the Kubernetes API stand-in as the API server calls it (timeout, failure policy, CA bundle,
/// dry run), the operator reconciling what was admitted.
/// </summary>
public sealed class AdmissionWebhookTests
{
    private const string WebhookName = "vvpdeployments.ververica.platform";

    [Fact]
    public void A_valid_CR_is_admitted_and_the_answer_echoes_the_request_uid()
    {
        var answer = VvpAdmission.Review(Review("CREATE", TestCrs.SeedDocument()));

        (JsonRead.String(answer, "apiVersion"), JsonRead.String(answer, "kind")).Should().Be(("admission.k8s.io/v1", "AdmissionReview"));
        JsonRead.String(answer, "response", "uid").Should().Be("uid-1");
        answer["response"]!["allowed"]!.GetValue<bool>().Should().BeTrue();
        answer["response"]!["status"].Should().BeNull();
    }

    [Fact]
    public void An_invalid_CR_is_refused_with_the_messages_vvp_reconcile_validate_prints()
    {
        var cr = InvalidCr();
        var answer = VvpAdmission.Review(Review("CREATE", cr));

        answer["response"]!["allowed"]!.GetValue<bool>().Should().BeFalse();
        JsonRead.Int64(answer, "response", "status", "code").Should().Be(403);
        var expected = string.Join("; ", VvpDeploymentValidator.Validate(cr).Errors.Select(e => e.ToString()));
        JsonRead.String(answer, "response", "status", "message").Should().Be(expected);
        expected.Should().Contain("/spec/initFields: initFields is supported only in patch mode").And.Contain("deploymentTargetName or sessionClusterName");
    }

    [Fact]
    public async Task The_refusal_lists_the_same_path_level_messages_as_the_CLI()
    {
        var folder = Directory.CreateTempSubdirectory("vvp-admission-").FullName;
        try
        {
            var file = CliRun.File(folder, "invalid.json", InvalidCr().ToJsonString());
            var (code, stdout, _) = await CliRun.RunAsync(null, null, "validate", file);
            var message = JsonRead.String(VvpAdmission.Review(Review("CREATE", InvalidCr())), "response", "status", "message")!;

            code.Should().Be(1);
            var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(file.Length + 2)..].TrimEnd('\r')).ToList();
            lines.Should().HaveCount(2);
            message.Split("; ").Should().Equal(lines);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void A_CR_being_deleted_an_update_leaving_spec_and_annotations_alone_a_deletion_and_other_kinds_are_admitted()
    {
        var deleting = InvalidCr();
        deleting["metadata"]!["deletionTimestamp"] = "2026-12-06T00:00:00Z";
        var withFinalizer = InvalidCr();
        withFinalizer["metadata"]!["finalizers"] = new JsonArray("reconciliation.vvp/finalizer");
        var otherKind = Review("CREATE", InvalidCr());
        otherKind["request"]!["kind"]!["kind"] = "ConfigMap";

        Admits(Review("UPDATE", deleting, InvalidCr())).Should().BeTrue("a finalizer must be removable whatever the spec holds");
        Admits(Review("UPDATE", withFinalizer, InvalidCr())).Should().BeTrue("a metadata-only write to a CR admitted before the webhook");
        Admits(Review("DELETE", null, InvalidCr())).Should().BeTrue();
        Admits(otherKind).Should().BeTrue();

        // The positive control: the same update that changes the spec is judged.
        var changed = InvalidCr();
        changed["spec"]!["deployment"]!["spec"]!["template"]!["spec"]!["parallelism"] = 3;
        Admits(Review("UPDATE", changed, InvalidCr())).Should().BeFalse();
        var annotated = InvalidCr();
        annotated["metadata"]!["annotations"] = new JsonObject { ["apikeySecretName"] = "token" };
        Admits(Review("UPDATE", annotated, InvalidCr())).Should().BeFalse("the annotations are judged too");
    }

    [Fact]
    public void A_CR_with_many_problems_lists_twenty_and_counts_the_rest()
    {
        var problems = Enumerable.Range(0, 25).Select(i => new ResourceMessage($"/spec/x{i:D2}", "Wrong.")).ToList();

        var message = VvpAdmission.Message(problems);

        message.Split("; ").Should().HaveCount(21);
        message.Should().StartWith("/spec/x00: Wrong.").And.EndWith("and 5 more (vvp-reconcile validate lists them all)");
    }

    [Fact]
    public void A_CR_nested_too_deep_is_refused_naming_the_depth_not_failed()
    {
        var cr = TestCrs.SeedDocument();
        JsonObject deep = [];
        cr["spec"]!["deployment"]!["spec"]!["template"]!["spec"]!["flinkConfiguration"] = deep;
        for (var i = 0; i < 100; i++)
        {
            var next = new JsonObject();
            deep["k"] = next;
            deep = next;
        }

        var body = Encoding.UTF8.GetBytes(Review("CREATE", cr).ToJsonString());
        var answer = VvpAdmission.Review(body);

        Allowed(answer).Should().BeFalse();
        JsonRead.String(answer, "response", "status", "message").Should().Contain("64");
    }

    [Theory]
    [InlineData("[]", "must be a JSON object")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u"}}""", "admission.k8s.io/v1")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""", "no request")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}""", "request.uid")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u""", "not JSON")]
    public void A_review_of_the_wrong_shape_is_a_format_error_naming_what_is_wrong(string body, string named)
    {
        var act = () => VvpAdmission.Review(Encoding.UTF8.GetBytes(body));

        act.Should().Throw<FormatException>().WithMessage($"*{named}*");
    }

    [Fact]
    public async Task Create_of_an_invalid_CR_is_refused_by_the_API_with_the_validators_messages_and_a_valid_one_admitted_and_reconciled()
    {
        await using var setup = await Webhooked.StartAsync();
        var session = setup.Session;
        var http = setup.Http;

        var (refusedCode, refused) = await Post(http, InvalidCr("bad-cr"));
        var (admittedCode, _) = await Post(http, Named(TestCrs.SeedDocument(), "test-cr"));

        refusedCode.Should().Be(HttpStatusCode.Forbidden);
        JsonRead.String(refused, "reason").Should().Be("Forbidden");
        JsonRead.String(refused, "message").Should().Be($"admission webhook \"{WebhookName}\" denied the request: {VvpAdmission.Message(VvpDeploymentValidator.Validate(InvalidCr("bad-cr")).Errors)}");
        session.Cr("bad-cr").Should().BeNull("nothing refused is stored");
        admittedCode.Should().Be(HttpStatusCode.Created);
        await OperatorSession.Eventually(() => Condition(session.Cr("test-cr"), "Ready") == "True", "the admitted CR is reconciled and Ready");
        session.Vvp.Snapshot("default", "bad-cr").Should().BeNull("an invalid CR never reaches the platform");
        session.Api.AdmissionReviews.Should().Be(2);
    }

    [Fact]
    public async Task An_update_that_makes_a_CR_invalid_is_refused_and_the_stored_CR_stays_as_it_was()
    {
        await using var setup = await Webhooked.StartAsync();
        var session = setup.Session;
        var http = setup.Http;
        (await Post(http, Named(TestCrs.SeedDocument(), "test-cr"))).Code.Should().Be(HttpStatusCode.Created);
        await OperatorSession.Eventually(() => Condition(session.Cr("test-cr"), "Ready") == "True", "the CR is reconciled");
        var before = session.Cr("test-cr")!;

        using var patch = new StringContent("""{"spec":{"syncingMode":"PUT"}}""", Encoding.UTF8, "application/merge-patch+json");
        using var answer = await http.PatchAsync(Path("test-cr"), patch);

        answer.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await answer.Content.ReadAsStringAsync()).Should().Contain("/spec/initFields: initFields is supported only in patch mode");
        JsonRead.String(session.Cr("test-cr"), "metadata", "resourceVersion").Should().Be(JsonRead.String(before, "metadata", "resourceVersion"));
        JsonRead.String(session.Cr("test-cr"), "spec", "syncingMode").Should().Be("PATCH");
    }

    [Fact]
    public async Task A_server_side_dry_run_is_judged_by_the_webhook_and_stores_nothing()
    {
        await using var setup = await Webhooked.StartAsync();
        var session = setup.Session;
        var http = setup.Http;

        var (invalidCode, _) = await Post(http, InvalidCr("bad-cr"), "?dryRun=All");
        var (validCode, valid) = await Post(http, Named(TestCrs.SeedDocument(), "test-cr"), "?dryRun=All");

        invalidCode.Should().Be(HttpStatusCode.Forbidden);
        validCode.Should().Be(HttpStatusCode.Created);
        JsonRead.String(valid, "metadata", "name").Should().Be("test-cr");
        session.Api.AdmissionReviews.Should().Be(2, "both dry runs were judged (sideEffects: None)");
        session.Cr("test-cr").Should().BeNull("a dry run stores nothing");
        session.Cr("bad-cr").Should().BeNull();
        session.Api.List(ApiResource.VvpDeployments, OperatorSession.Namespace).Should().BeEmpty();
    }

    [Fact]
    public async Task The_operator_removes_its_finalizer_from_an_invalid_CR_that_predates_the_webhook()
    {
        await using var session = await OperatorSession.StartAsync();
        using var certificates = TestCertificates.Create();
        // Stored before the webhook existed: the direct method is not judged.
        var old = InvalidCr("old-cr");
        old["metadata"]!["finalizers"] = new JsonArray(VvpController.Finalizer);
        session.Api.Create(ApiResource.VvpDeployments, OperatorSession.Namespace, old);
        await using var host = await WebhookHost.StartAsync(session, certificates);
        session.Api.AddAdmissionWebhook(host.Webhook(certificates.CaPem));
        await OperatorSession.Eventually(() => Condition(session.Cr("old-cr"), "Synced") == "False", "the operator reported the invalid CR");

        using var http = new HttpClient { BaseAddress = session.Api.BaseAddress };
        using var deleted = await http.DeleteAsync(Path("old-cr"));

        deleted.StatusCode.Should().Be(HttpStatusCode.OK);
        await OperatorSession.Eventually(() => session.Cr("old-cr") is null, "the finalizer was removed through the webhook and the CR went");
        session.Api.AdmissionReviews.Should().BeGreaterThan(0, "the finalizer's removal was judged, and admitted");
    }

    [Theory]
    [InlineData(AdmissionFailurePolicy.Fail, HttpStatusCode.InternalServerError)]
    [InlineData(AdmissionFailurePolicy.Ignore, HttpStatusCode.Created)]
    public async Task An_unreachable_webhook_refuses_under_Fail_and_admits_under_Ignore(AdmissionFailurePolicy policy, HttpStatusCode expected)
    {
        await using var api = await KubernetesApiStandIn.StartAsync();
        api.AddAdmissionWebhook(new AdmissionWebhook { Name = WebhookName, Url = new Uri($"https://127.0.0.1:{FreePort()}/validate-vvpdeployment"), FailurePolicy = policy });
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        var (code, answer) = await Post(http, InvalidCr("bad-cr"));

        code.Should().Be(expected);
        if (policy == AdmissionFailurePolicy.Fail)
        {
            JsonRead.String(answer, "message").Should().StartWith($"Internal error occurred: failed calling webhook \"{WebhookName}\"");
            api.Get(ApiResource.VvpDeployments, OperatorSession.Namespace, "bad-cr").Should().BeNull();
        }
        else
        {
            api.Get(ApiResource.VvpDeployments, OperatorSession.Namespace, "bad-cr").Should().NotBeNull();
        }

        api.AdmissionReviews.Should().Be(1, "the webhook was tried");
    }

    [Theory]
    [InlineData(AdmissionFailurePolicy.Fail, HttpStatusCode.InternalServerError)]
    [InlineData(AdmissionFailurePolicy.Ignore, HttpStatusCode.Created)]
    public async Task A_webhook_that_never_answers_is_given_up_after_its_timeout(AdmissionFailurePolicy policy, HttpStatusCode expected)
    {
        // Accepts connections and never says a word: the TLS handshake never ends.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var held = new List<TcpClient>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    held.Add(await silent.AcceptTcpClientAsync());
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    return;
                }
            }
        });
        await using var api = await KubernetesApiStandIn.StartAsync();
        api.AddAdmissionWebhook(new AdmissionWebhook
        {
            Name = WebhookName,
            Url = new Uri($"https://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/validate-vvpdeployment"),
            FailurePolicy = policy,
            Timeout = TimeSpan.FromMilliseconds(500),
        });
        using var http = new HttpClient { BaseAddress = api.BaseAddress };

        var (code, answer) = await Post(http, Named(TestCrs.SeedDocument(), "test-cr"));

        code.Should().Be(expected);
        if (policy == AdmissionFailurePolicy.Fail)
        {
            JsonRead.String(answer, "message").Should().Contain("context deadline exceeded");
        }

        held.Should().NotBeEmpty("the stand-in did connect");
    }

    [Fact]
    public async Task A_webhook_whose_certificate_the_CA_bundle_does_not_vouch_for_is_a_failure()
    {
        await using var session = await OperatorSession.StartAsync();
        using var certificates = TestCertificates.Create();
        using var stranger = TestCertificates.Create("stranger");
        await using var host = await WebhookHost.StartAsync(session, certificates);
        session.Api.AddAdmissionWebhook(host.Webhook(stranger.CaPem));
        using var http = new HttpClient { BaseAddress = session.Api.BaseAddress };

        var (code, answer) = await Post(http, Named(TestCrs.SeedDocument(), "test-cr"));

        code.Should().Be(HttpStatusCode.InternalServerError);
        JsonRead.String(answer, "message").Should().Contain("failed calling webhook");
        session.Cr("test-cr").Should().BeNull();
    }

    [Fact]
    public async Task A_renewed_certificate_is_served_without_a_restart()
    {
        await using var setup = await Webhooked.StartAsync();
        var certificates = setup.Certificates;
        var host = setup.Host;
        var http = setup.Http;
        (await Post(http, Named(TestCrs.SeedDocument(), "first"))).Code.Should().Be(HttpStatusCode.Created, "the first certificate is served");

        var renewedCa = certificates.Renew();
        // Fresh API servers (fresh connections): one trusting the new CA, one still trusting the old.
        await using var renewed = await KubernetesApiStandIn.StartAsync();
        renewed.AddAdmissionWebhook(host.Webhook(renewedCa));
        await using var stale = await KubernetesApiStandIn.StartAsync();
        stale.AddAdmissionWebhook(host.Webhook(certificates.CaPem));
        using var renewedHttp = new HttpClient { BaseAddress = renewed.BaseAddress };
        using var staleHttp = new HttpClient { BaseAddress = stale.BaseAddress };
        var (code, _) = await Post(renewedHttp, Named(TestCrs.SeedDocument(), "second"));
        var (oldCode, _) = await Post(staleHttp, Named(TestCrs.SeedDocument(), "third"));

        code.Should().Be(HttpStatusCode.Created, "the renewed certificate chains to the new CA");
        oldCode.Should().Be(HttpStatusCode.InternalServerError, "the old certificate is no longer served");
    }

    private static bool Admits(JsonObject review) => Allowed(VvpAdmission.Review(review));

    private static bool Allowed(JsonObject answer) => answer["response"]!["allowed"]!.GetValue<bool>();

    private static string? Condition(JsonObject? cr, string type) =>
        JsonRead.String(cr?["status"]?["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => JsonRead.String(c, "type") == type), "status");

    // Passes schema-level checks a CRD could make, fails two rules only the validator knows.
    private static JsonObject InvalidCr(string name = "bad-cr")
    {
        var cr = Named(TestCrs.SeedDocument(), name);
        cr["spec"]!["syncingMode"] = "PUT";
        cr["spec"]!["deployment"]!["spec"]!.AsObject().Remove("deploymentTargetName");
        return cr;
    }

    private static JsonObject Named(JsonObject cr, string name)
    {
        cr["metadata"]!["name"] = name;
        cr["metadata"]!["namespace"] = OperatorSession.Namespace;
        cr["spec"]!["deployment"]!["userMetadata"]!["name"] = name;
        return cr;
    }

    private static JsonObject Review(string operation, JsonObject? cr, JsonObject? old = null) => new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = "uid-1",
            ["kind"] = new JsonObject { ["group"] = "ververica.platform", ["version"] = "v1", ["kind"] = "VvpDeployment" },
            ["namespace"] = OperatorSession.Namespace,
            ["operation"] = operation,
            ["object"] = cr?.DeepClone(),
            ["oldObject"] = old?.DeepClone(),
        },
    };

    private static string Path(string name) => $"apis/ververica.platform/v1/namespaces/{OperatorSession.Namespace}/vvpdeployments/{name}";

    private static async Task<(HttpStatusCode Code, JsonObject Answer)> Post(HttpClient http, JsonObject cr, string query = "")
    {
        using var content = new StringContent(cr.ToJsonString(), Encoding.UTF8, "application/json");
        using var answer = await http.PostAsync($"apis/ververica.platform/v1/namespaces/{OperatorSession.Namespace}/vvpdeployments{query}", content);
        return (answer.StatusCode, (JsonObject)JsonNode.Parse(await answer.Content.ReadAsStringAsync())!);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A session with the operator's host serving the webhook, registered with the stand-in (trusting the CA that signed its certificate).</summary>
    private sealed class Webhooked : IAsyncDisposable
    {
        private Webhooked(OperatorSession session, TestCertificates certificates, WebhookHost host)
        {
            Session = session;
            Certificates = certificates;
            Host = host;
            Http = new HttpClient { BaseAddress = session.Api.BaseAddress };
        }

        public OperatorSession Session { get; }

        public TestCertificates Certificates { get; }

        public WebhookHost Host { get; }

        public HttpClient Http { get; }

        public static async Task<Webhooked> StartAsync()
        {
            var session = await OperatorSession.StartAsync();
            var certificates = TestCertificates.Create();
            var host = await WebhookHost.StartAsync(session, certificates);
            session.Api.AddAdmissionWebhook(host.Webhook(certificates.CaPem));
            return new Webhooked(session, certificates, host);
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Host.DisposeAsync();
            Certificates.Dispose();
            await Session.DisposeAsync();
        }
    }

    /// <summary>The operator process's host in this process, with the webhook on, against the session's stand-in and emulator.</summary>
    internal sealed class WebhookHost : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly Task<int> _run;
        private readonly k8s.Kubernetes _kubernetes;

        private WebhookHost(int webhookPort, CancellationTokenSource stop, Task<int> run, k8s.Kubernetes kubernetes)
        {
            WebhookPort = webhookPort;
            _stop = stop;
            _run = run;
            _kubernetes = kubernetes;
        }

        public int WebhookPort { get; }

        public static async Task<WebhookHost> StartAsync(OperatorSession session, TestCertificates certificates)
        {
            var kubeconfig = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"vvp-webhook-kubeconfig-{Guid.NewGuid():N}.yaml");
            session.Api.WriteKubeconfig(kubeconfig);
            var kubernetes = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            File.Delete(kubeconfig);
            var settings = new Dictionary<string, string?>
            {
                ["vvp:k8sOperator:identity"] = "vvp-1",
                ["vvp:k8sOperator:watchedNamespaces"] = OperatorSession.Namespace,
                ["vvp:k8sOperator:holderIdentity"] = "pod-a",
                ["vvp:k8sOperator:retryBaseDelay"] = "00:00:00.1",
                ["vvp:k8sOperator:transitioningRequeue"] = "00:00:00.3",
                ["vvp:platform:baseAddress"] = session.Emulator.BaseAddress.ToString(),
            };
            var webhookPort = FreePort();
            var environment = new OperatorEnvironment(settings, kubernetes, $"http://127.0.0.1:{FreePort()}", "Admission webhook test.", $"http://127.0.0.1:{FreePort()}");
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var stop = new CancellationTokenSource();
            string[] args =
            [
                "--vvp:webhook:enabled=true",
                $"--vvp:webhook:url=https://127.0.0.1:{webhookPort}",
                $"--vvp:webhook:certFile={certificates.CertFile}",
                $"--vvp:webhook:keyFile={certificates.KeyFile}",
            ];
            var run = Task.Run(() => OperatorHost.RunAsync(args, environment, (WebApplication _) => started.TrySetResult(), stop.Token));
            if (await Task.WhenAny(started.Task, run).WaitAsync(TimeSpan.FromSeconds(30)) == run)
            {
                throw new InvalidOperationException($"The operator host stopped at start with exit code {await run}.");
            }

            return new WebhookHost(webhookPort, stop, run, kubernetes);
        }

        public AdmissionWebhook Webhook(string caBundle) => new()
        {
            Name = WebhookName,
            Url = new Uri($"https://127.0.0.1:{WebhookPort}{WebhookSettings.Path}"),
            CaBundle = caBundle,
            Namespaces = [OperatorSession.Namespace],
            Timeout = TimeSpan.FromSeconds(10),
        };

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }

            _stop.Dispose();
            _kubernetes.Dispose();
        }
    }
}
