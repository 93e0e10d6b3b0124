using System.Text.Json.Nodes;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>
/// The status contract (SEMANTICS §9) as GitOps tools read it: for every outcome of the table in docs/operator.md, the
/// conditions the reconciler really projects (Synced, Ready, Reconciling, Stalled, the top-level observedGeneration),
/// whether kstatus calls the CR current, and the verdict of the Argo CD health script
/// (<c>deploy/argocd/ververica.platform/VvpDeployment/health.lua</c>) run with Lua 5.1; and the script's own tests in
/// Argo CD's format.
/// </summary>
public sealed class StatusContractTests
{
    private static readonly string HealthFolder = Path.Combine(SharedFolder.RepositoryRoot(), "deploy", "argocd", "ververica.platform", "VvpDeployment");

    public static TheoryData<string, string, string> HealthTests()
    {
        var data = new TheoryData<string, string, string>();
        var tests = (JsonObject)ResourceReader.Read(File.ReadAllText(Path.Combine(HealthFolder, "health_test.yaml"))).Document!;
        foreach (var test in tests["tests"]!.AsArray())
        {
            data.Add(test!["inputPath"]!.GetValue<string>(), test["healthStatus"]!["status"]!.GetValue<string>(), test["healthStatus"]!["message"]!.GetValue<string>());
        }

        return data;
    }

    [Fact]
    public void Every_testdata_file_is_named_by_health_test_yaml_and_every_verdict_is_covered()
    {
        var named = HealthTests().Select(row => (string)row[0]).ToHashSet(StringComparer.Ordinal);

        Directory.GetFiles(Path.Combine(HealthFolder, "testdata"), "*.yaml").Select(f => "testdata/" + Path.GetFileName(f)).Should().BeEquivalentTo(named);
        HealthTests().Select(row => (string)row[1]).Distinct().Should().BeEquivalentTo(["Healthy", "Progressing", "Degraded", "Suspended"]);
    }

    [SkippableTheory]
    [MemberData(nameof(HealthTests))]
    public async Task The_health_script_gives_each_testdata_file_the_verdict_health_test_yaml_names(string inputPath, string status, string message)
    {
        var resource = ResourceReader.Read(File.ReadAllText(Path.Combine(HealthFolder, inputPath))).Document!;

        var health = await Lua51.HealthAsync(Script(), resource);

        health.Should().Be((status, message));
    }

    public static TheoryData<string> Outcomes() =>
    [
        "created", "in sync", "drift corrected", "transitioning", "invalid", "owned by another", "unauthenticated",
        "forbidden", "rejected by the platform", "platform down", "IDLING", "deleting",
    ];

    // Each row of the table in docs/operator.md's GitOps section: Synced, Ready, Reconciling, Stalled, kubectl wait,
    // kstatus, Argo CD. The test reads the table, so the documentation states what is asserted.
    private static readonly Dictionary<string, string[]> Table = ReadTable();

    private static Dictionary<string, string[]> ReadTable()
    {
        var text = File.ReadAllText(Path.Combine(SharedFolder.RepositoryRoot(), "docs", "operator.md"));
        var section = text[text.IndexOf("## GitOps", StringComparison.Ordinal)..];
        return section.Split('\n')
            .Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| outcome", StringComparison.Ordinal))
            .Select(l => l.Trim('|', ' ').Split('|').Select(c => c.Trim()).ToArray())
            .Where(cells => cells.Length == 8)
            .ToDictionary(cells => cells[0], cells => cells[1..], StringComparer.Ordinal);
    }

    [Fact]
    public void The_documented_table_has_a_row_for_every_outcome_and_argocd_cm_holds_the_health_script_as_it_is()
    {
        Table.Keys.Should().BeEquivalentTo(((IEnumerable<object[]>)Outcomes()).Select(row => (string)row[0]).ToList());
        var configMap = (JsonObject)ResourceReader.Read(File.ReadAllText(Path.Combine(SharedFolder.RepositoryRoot(), "deploy", "argocd", "argocd-cm.yaml"))).Document!;
        configMap["data"]!["resource.customizations.health.ververica.platform_VvpDeployment"]!.GetValue<string>().Should().Be(Script());
    }

    [SkippableTheory]
    [MemberData(nameof(Outcomes))]
    public async Task Each_outcome_projects_the_conditions_kstatus_and_Argo_CD_read_as_the_table_says(string outcome)
    {
        var cr = await StatusOf(outcome);
        var status = VvpDeploymentStatus.From(cr.Status);
        var expected = Table[outcome];
        var document = cr.ToJsonNode();
        if (outcome == "deleting")
        {
            document["metadata"]!["deletionTimestamp"] = "2026-12-06T10:00:00Z";
        }

        var health = await Lua51.HealthAsync(Script(), document);
        string[] actual =
        [
            status.Synced!.Status, status.Ready!.Status, status.Reconciling!.Status, status.Stalled!.Status,
            status.Ready.Status == "True" ? "succeeds" : "waits", Kstatus(document), health.Status,
        ];

        actual.Should().Equal(expected, outcome + ": " + cr.Status!.ToJsonString());
        cr.Status!["observedGeneration"]!.GetValue<long>().Should().Be(cr.Generation!.Value);
        status.Conditions.Should().OnlyContain(c => c.ObservedGeneration == cr.Generation);
        (status.Reconciling.Status == "True" && status.Stalled.Status == "True").Should().BeFalse("Reconciling and Stalled are never True together");
        status.IsCurrent(cr.Generation).Should().Be(Kstatus(document) is "Current" or "Terminating");
    }

    // kstatus' reading of a resource with the standard conditions (cli-utils' generic rules, in their order).
    private static string Kstatus(JsonObject resource)
    {
        var status = VvpDeploymentStatus.From(resource["status"] as JsonObject);
        return resource["metadata"]!["deletionTimestamp"] is not null ? "Terminating"
            : Vvp.Reconciliation.Json.JsonRead.Int64(resource, "status", "observedGeneration") != Vvp.Reconciliation.Json.JsonRead.Int64(resource, "metadata", "generation") ? "InProgress"
            : status.Reconciling?.Status == "True" ? "InProgress"
            : status.Stalled?.Status == "True" ? "Failed"
            : status.Ready?.Status == "True" ? "Current"
            : "InProgress";
    }

    [SkippableFact]
    public async Task A_status_of_an_older_generation_is_Progressing_for_Argo_CD_and_not_current_for_kstatus()
    {
        var cr = await StatusOf("in sync");
        var edited = cr.ToJsonNode();
        edited["metadata"]!["generation"] = cr.Generation + 1;
        var newer = VvpDeploymentResource.FromDocument(edited);

        VvpDeploymentStatus.From(newer.Status).IsCurrent(newer.Generation).Should().BeFalse();
        (await Lua51.HealthAsync(Script(), edited)).Should().Be(("Progressing", $"Waiting for the operator to observe generation {cr.Generation + 1}"));
    }

    [SkippableFact]
    public async Task Through_the_operator_a_CR_becomes_current_for_kstatus_and_Healthy_for_Argo_CD_and_an_edit_is_Progressing_until_it_is_current_again()
    {
        Lua51.Require();
        await using var session = await OperatorSession.StartAsync();
        session.Start(OperatorSession.Options());
        session.Apply("test-cr");

        await OperatorSession.Eventually(() => IsCurrent(session.Cr("test-cr")), "the CR is current");
        (await Lua51.HealthAsync(Script(), session.Cr("test-cr")!)).Status.Should().Be("Healthy");

        session.Edit("test-cr", c => c["spec"]!["deployment"]!["spec"]!["state"] = "RUNNING");
        var verdicts = new List<string>();
        await OperatorSession.Eventually(
            async () =>
            {
                var cr = session.Cr("test-cr")!;
                verdicts.Add((await Lua51.HealthAsync(Script(), cr)).Status);
                return IsCurrent(cr) && Vvp.Reconciliation.Json.JsonRead.String(cr, "status", "customResourceStatus", "statusState") == "RUNNING";
            },
            "the edit is current");

        verdicts[^1].Should().Be("Healthy");
        verdicts.Should().Contain("Progressing", "a RUNNING job passes through TRANSITIONING, or a status of the older generation, first");
        verdicts.Should().NotContain(["Degraded", "Suspended"]);
    }

    private static bool IsCurrent(JsonObject? cr) =>
        cr is not null && VvpDeploymentStatus.From(cr["status"] as JsonObject).IsCurrent(Vvp.Reconciliation.Json.JsonRead.Int64(cr, "metadata", "generation"));

    private static string Script() => File.ReadAllText(Path.Combine(HealthFolder, "health.lua"));

    // The CR, its status as the reconciler projected it for the outcome (the host's write applied).
    private static async Task<VvpDeploymentResource> StatusOf(string outcome)
    {
        Lua51.Require();
        var running = """{"spec":{"deployment":{"spec":{"state":"RUNNING"}}}}""";
        switch (outcome)
        {
            case "created":
                return (await Run(new FakeHost(FakeHost.Cr0()), 1)).Cr;
            case "in sync":
            case "deleting":
                return (await Run(new FakeHost(FakeHost.Cr0()), 2)).Cr;
            case "drift corrected":
                {
                    var host = await Run(new FakeHost(FakeHost.Cr0()), 1);
                    host.Platform.Edit("default", "test-cr", d => d["spec"]!["maxJobCreationAttempts"] = 3);
                    var result = await host.ReconcileAsync();
                    result.Outcome.Should().Be(ReconcileOutcome.Patched);
                    return host.Cr;
                }

            case "transitioning":
                return (await Run(new FakeHost(FakeHost.Cr0(running)), 1)).Cr;
            case "invalid":
                return (await Run(new FakeHost(FakeHost.Cr0("""{"spec":{"deployment":{"spec":{"state":"RUNNIN"}}}}""")), 1)).Cr;
            case "owned by another":
                {
                    var host = new FakeHost(FakeHost.Cr0());
                    host.Platform.Seed("default", (JsonObject)JsonNode.Parse("""{"metadata":{"name":"test-cr","annotations":{"reconciliation.vvp/owner":"vvp-2/jobs/test-cr"}},"spec":{"state":"CANCELLED","deploymentTargetName":"t"}}""")!);
                    return (await Run(host, 1)).Cr;
                }

            case "unauthenticated":
                return (await Run(new FakeHost(FakeHost.Cr0(), o => o.AuthenticationRequired = true), 1)).Cr;
            case "forbidden":
                {
                    var host = new FakeHost(FakeHost.Cr0("""{"metadata":{"annotations":{"apikey":"viewer-token-1"}}}"""), o => o.AuthenticationRequired = true);
                    host.Platform.AddToken("viewer-token-1", PlatformRole.Viewer);
                    return (await Run(host, 1)).Cr;
                }

            case "rejected by the platform":
                {
                    var host = new FakeHost(FakeHost.Cr0());
                    host.Platform.FailNext(PlatformOperation.CreateDeployment, PlatformFault.Status(400, "spec.template is invalid"));
                    return (await Run(host, 1)).Cr;
                }

            case "platform down":
                {
                    var host = new FakeHost(FakeHost.Cr0(), o => o.TransientRetries = 0);
                    host.Platform.FailNext(PlatformOperation.GetDeployment, PlatformFault.Status(503, "down"));
                    return (await Run(host, 1)).Cr;
                }

            case "IDLING":
                {
                    var host = await Run(new FakeHost(FakeHost.Cr0()), 1);
                    host.Platform.Edit("default", "test-cr", d => d["metadata"]!["annotations"]!["reconciliation.vvp/cr-syncing"] = "false");
                    var result = await host.ReconcileAsync();
                    result.Outcome.Should().Be(ReconcileOutcome.Idle);
                    return host.Cr;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null);
        }
    }

    private static async Task<FakeHost> Run(FakeHost host, int reconciles)
    {
        for (var i = 0; i < reconciles; i++)
        {
            await host.ReconcileAsync();
        }

        return host;
    }
}
