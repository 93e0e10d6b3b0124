using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>
/// The operator beside a GitOps agent that re-applies the CR from Git (SEMANTICS §16): under <c>specWriteBack:
/// Report</c> the CR's spec is never written, the update to commit is in <c>status.pendingSpecUpdate</c>, and nothing
/// adoption synced back is lost; under <c>Write</c> the same agent and the operator fight, which is why Report exists.
/// Over real sockets: the Kubernetes API stand-in, the platform emulator, the controller.
/// </summary>
public sealed class GitOpsEndToEndTests
{
    private const int AgentRounds = 40;

    // The agent of the first test works as Argo CD's self-heal does at its fastest: once a second, for a minute.
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Under_specWriteBack_Report_a_GitOps_agent_re_applying_the_Git_copy_every_second_for_a_minute_causes_no_spec_write_and_no_loop_and_adoption_loses_nothing()
    {
        await using var session = await OperatorSession.StartAsync();
        SeedMadeInTheUi(session, "adopted-cr");
        var running = session.Start(OperatorSession.Options(configure: o =>
        {
            o.Reconciler.SpecWriteBack = SpecWriteBack.Report;
            o.ResyncPeriod = TimeSpan.FromMilliseconds(200);
        }));
        var git = GitCopy();
        var adopted = PartialPutCopy();
        session.Apply("test-cr", git);
        session.Apply("adopted-cr", adopted);

        await OperatorSession.Eventually(() => session.Cr("test-cr")?["status"]?["pendingSpecUpdate"] is JsonArray && session.Cr("adopted-cr")?["status"]?["pendingSpecUpdate"] is JsonArray, "the statuses report the pending spec updates");
        var handled = running.Controller.KeysHandled;
        var (specWrites, generation) = await RunAgentAsync(session, new Dictionary<string, JsonObject> { ["test-cr"] = git, ["adopted-cr"] = adopted }, rounds: (int)Minute.TotalSeconds, interval: TimeSpan.FromSeconds(1));

        specWrites.Should().Be(0, "under Report the operator never writes the CR's spec");
        running.Controller.KeysHandled.Should().BeGreaterThan(handled + 5, "the operator kept resyncing while the agent re-applied");
        var cr = session.Cr("test-cr")!;
        JsonRead.Int64(cr, "metadata", "generation").Should().Be(generation, "nothing changed the spec, so the agent had nothing to revert");
        cr["spec"]!["deployment"]!["userMetadata"]!["id"]!.GetValue<string>().Should().Be("abc-1234");
        cr["status"]!["pendingSpecUpdate"]!.ToJsonString().Should().Be("""[{"op":"remove","path":"/spec/deployment/userMetadata/id"}]""");
        var pending = StatusCondition(cr, "SpecUpdatePending");
        (JsonRead.String(pending, "status"), JsonRead.String(pending, "message")).Should().Be(("True", "Commit to the CR's source (specWriteBack: Report): /spec/deployment/userMetadata/id."));
        session.Api.List(ApiResource.Events, OperatorSession.Namespace).Any(e => JsonRead.String(e, "reason") == "SpecUpdatePending").Should().BeTrue("an Event says what to commit");
        session.Vvp.Calls.Count(c => c.IsWrite && c.Name != "adopted-cr").Should().Be(1, "the create; the erased key is never sent");
        AdoptionKept(session, "adopted-cr");
    }

    [Fact]
    public async Task Under_specWriteBack_Write_the_same_agent_and_the_operator_fight_over_the_spec()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Start(OperatorSession.Options(configure: o => o.ResyncPeriod = TimeSpan.FromMilliseconds(200)));
        var git = GitCopy();
        session.Apply("test-cr", git);
        await OperatorSession.Eventually(() => session.Cr("test-cr")?["spec"]?["deployment"]?["userMetadata"]?["id"] is null, "the operator wrote the scrubbed spec");

        var (specWrites, _) = await RunAgentAsync(session, git);

        specWrites.Should().BeGreaterThan(2, "each re-apply restores the key and the operator removes it again");
    }

    [Fact]
    public async Task Under_specWriteBack_Report_a_PUT_mode_adoption_loses_nothing_while_the_agent_re_applies_the_partial_CR()
    {
        await using var session = await OperatorSession.StartAsync();
        SeedMadeInTheUi(session, "test-cr");
        session.Start(OperatorSession.Options(configure: o =>
        {
            o.Reconciler.SpecWriteBack = SpecWriteBack.Report;
            o.ResyncPeriod = TimeSpan.FromMilliseconds(200);
        }));
        var git = PartialPutCopy();
        session.Apply("test-cr", git);

        await OperatorSession.Eventually(() => session.Cr("test-cr")?["status"]?["pendingSpecUpdate"] is JsonArray, "the status reports what adoption synced back");
        var (specWrites, _) = await RunAgentAsync(session, git);

        specWrites.Should().Be(0);
        AdoptionKept(session, "test-cr");
    }

    // A deployment made in the platform's UI, with fields a partial PUT-mode CR does not state.
    private static void SeedMadeInTheUi(OperatorSession session, string name) =>
        session.Vvp.Seed("default", (JsonObject)JsonNode.Parse("""
            {"metadata":{"name":"NAME","displayName":"made in the UI","labels":{"team":"data"}},
             "spec":{"state":"CANCELLED","deploymentTargetName":"test-target","jobFailureExpirationTime":"2h",
                     "template":{"spec":{"artifact":{"kind":"JAR","jarUri":"file:///a.jar"},"parallelism":3}}}}
            """.Replace("NAME", name, StringComparison.Ordinal))!);

    // The documentation's CR in PUT mode, as kept in Git: it does not state what the UI set.
    private static JsonObject PartialPutCopy()
    {
        var git = TestCrs.SeedDocument();
        git["spec"]!["syncingMode"] = "PUT";
        git["spec"]!.AsObject().Remove("initFields");
        return git;
    }

    // The adoption guard kept on the platform what adoption synced back, and the status names it for Git.
    private static void AdoptionKept(OperatorSession session, string name)
    {
        var live = session.Vvp.Snapshot("default", name)!;
        live["spec"]!["jobFailureExpirationTime"]!.GetValue<string>().Should().Be("2h", "the guard keeps what adoption synced back");
        live["metadata"]!["labels"]!["team"]!.GetValue<string>().Should().Be("data");
        var paths = session.Cr(name)!["status"]!["pendingSpecUpdate"]!.AsArray().Select(o => JsonRead.String(o, "path")).ToList();
        paths.Should().Contain(["/spec/deployment/spec/jobFailureExpirationTime", "/spec/deployment/userMetadata/labels"]);
    }

    // The documentation's CR as it is kept in Git, with a userMetadata key the operator scrubs.
    private static JsonObject GitCopy()
    {
        var git = TestCrs.SeedDocument();
        git["spec"]!["deployment"]!["userMetadata"]!["id"] = "abc-1234";
        return git;
    }

    // The agent: re-applies the Git copy's spec at its own cadence, as Argo CD's self-heal or Flux's reconcile does.
    // Returns the spec writes the operator made meanwhile and the CR's generation at the end.
    private static Task<(int SpecWrites, long? Generation)> RunAgentAsync(OperatorSession session, JsonObject git) =>
        RunAgentAsync(session, new Dictionary<string, JsonObject> { ["test-cr"] = git }, AgentRounds, TimeSpan.FromMilliseconds(100));

    // The agent over several CRs: each round re-applies every Git copy whose spec differs from the live CR's.
    private static async Task<(int SpecWrites, long? Generation)> RunAgentAsync(OperatorSession session, IReadOnlyDictionary<string, JsonObject> copies, int rounds, TimeSpan interval)
    {
        var before = SpecWrites(session);
        for (var i = 0; i < rounds; i++)
        {
            foreach (var (name, git) in copies)
            {
                if (!JsonEquality.Equals(session.Cr(name)!["spec"], git["spec"]))
                {
                    session.Edit(name, c => c["spec"] = git["spec"]!.DeepClone());
                }
            }

            await Task.Delay(interval);
        }

        return (SpecWrites(session) - before, JsonRead.Int64(session.Cr("test-cr"), "metadata", "generation"));
    }

    // Updates of a CR's spec (not its status subresource) the operator sent over HTTP.
    private static int SpecWrites(OperatorSession session) =>
        session.Api.Calls.Count(c => c.IsWrite && c.Resource == "vvpdeployments" && c.StatusCode is >= 200 and < 300);

    private static JsonObject? StatusCondition(JsonObject cr, string type) =>
        cr["status"]?["conditions"]?.AsArray().OfType<JsonObject>().FirstOrDefault(c => JsonRead.String(c, "type") == type);
}
