using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Reconciling;

public sealed class OutcomeTests
{
    [Fact]
    public void Every_outcome_has_one_meaning_and_only_writes_and_in_sync_set_Synced_True()
    {
        var outcomes = Enum.GetValues<ReconcileOutcome>();
        outcomes.Should().HaveCount(19);
        foreach (var outcome in outcomes)
        {
            var traits = Outcomes.Of(outcome);
            traits.ConditionReason.Should().MatchRegex("^[A-Z][A-Za-z]+$", "{0} gives a CamelCase reason", outcome);
            var synced = outcome is ReconcileOutcome.InSync or ReconcileOutcome.Created or ReconcileOutcome.Patched or ReconcileOutcome.Adopted or ReconcileOutcome.Replaced;
            traits.Synced.Should().Be(synced ? "True" : "False", "{0}", outcome);
            (traits.IsFailure && synced).Should().BeFalse("{0} cannot succeed and fail", outcome);
        }
    }

    [Theory]
    [InlineData(PlatformErrorKind.Rejected, ReconcileOutcome.PlatformRejected, "PlatformRejected", RequeueClass.UntilChanged)]
    [InlineData(PlatformErrorKind.Unauthenticated, ReconcileOutcome.Unauthenticated, "Unauthenticated", RequeueClass.Backoff)]
    [InlineData(PlatformErrorKind.Forbidden, ReconcileOutcome.Forbidden, "Forbidden", RequeueClass.Backoff)]
    [InlineData(PlatformErrorKind.Protocol, ReconcileOutcome.ProtocolError, "ProtocolError", RequeueClass.Backoff)]
    [InlineData(PlatformErrorKind.Unsupported, ReconcileOutcome.UnsupportedPlatform, "UnsupportedPlatform", RequeueClass.Longest)]
    [InlineData(PlatformErrorKind.Transient, ReconcileOutcome.TransientFailure, "TransientFailure", RequeueClass.Backoff)]
    [InlineData(PlatformErrorKind.Conflict, ReconcileOutcome.TransientFailure, "TransientFailure", RequeueClass.Backoff)]
    [InlineData(PlatformErrorKind.NotFound, ReconcileOutcome.TransientFailure, "TransientFailure", RequeueClass.Backoff)]
    public void A_platform_failure_maps_to_one_outcome_with_its_reason_and_requeue_class(PlatformErrorKind kind, ReconcileOutcome outcome, string reason, RequeueClass requeue)
    {
        Outcomes.OfFailure(kind).Should().Be(outcome);
        Outcomes.Of(outcome).ConditionReason.Should().Be(reason);
        Outcomes.Of(outcome).Requeue.Should().Be(requeue);
        Outcomes.Of(outcome).IsFailure.Should().BeTrue();
    }

    [Fact]
    public async Task A_result_says_failure_in_its_type_an_idle_deployment_is_no_failure()
    {
        var invalid = new FakeHost(FakeHost.Cr0("""{"spec":{"deployment":{"userMetadata":{"name":"Not A Label"}}}}"""));
        var failed = await invalid.ReconcileAsync();
        failed.Outcome.Should().Be(ReconcileOutcome.InvalidSpec);
        failed.IsFailure.Should().BeTrue();

        var host = new FakeHost(FakeHost.Cr0());
        (await host.ReconcileAsync()).Outcome.Should().Be(ReconcileOutcome.Created);
        var again = await host.ReconcileAsync();
        again.Outcome.Should().Be(ReconcileOutcome.InSync);
        again.IsFailure.Should().BeFalse();

        host.Platform.Edit("default", "test-cr", d => d["metadata"]!["annotations"]!["reconciliation.vvp/cr-syncing"] = "false");
        var idle = await host.ReconcileAsync();
        idle.Outcome.Should().Be(ReconcileOutcome.Idle);
        idle.IsFailure.Should().BeFalse();
        FakeHost.Condition(idle.Status, "Synced")!["reason"]!.GetValue<string>().Should().Be("Idle", "SEMANTICS §9: IDLING is Synced=False with reason Idle");
    }

    [Fact]
    public async Task A_create_the_host_vetoes_is_the_outcome_CustomResourceGone_with_no_write_and_no_failure()
    {
        var confirmed = 0;
        var host = new FakeHost(FakeHost.Cr0());
        var gone = new ReconcileContext { ConfirmBeforeCreate = _ => { confirmed++; return Task.FromResult(false); } };

        var vetoed = await host.Reconciler.ReconcileAsync(host.Cr, gone);

        confirmed.Should().Be(1, "the host was asked right before the create");
        vetoed.Outcome.Should().Be(ReconcileOutcome.CustomResourceGone);
        vetoed.IsFailure.Should().BeFalse();
        host.Platform.WriteCount.Should().Be(0);

        var present = new ReconcileContext { ConfirmBeforeCreate = _ => { confirmed++; return Task.FromResult(true); } };
        (await host.Reconciler.ReconcileAsync(host.Cr, present)).Outcome.Should().Be(ReconcileOutcome.Created);
        confirmed.Should().Be(2);
        host.Platform.WriteCount.Should().Be(1);
    }

    [Fact]
    public async Task A_resync_reads_its_first_live_deployment_from_the_hosts_source_and_a_change_reads_the_platform()
    {
        var host = new FakeHost(FakeHost.Cr0());
        await host.ReconcileAsync();
        var sourced = 0;
        var context = new ReconcileContext
        {
            Trigger = ReconcileTrigger.Resync,
            ResyncRead = (target, token, ct) => { sourced++; return host.Platform.GetDeploymentAsync(target.Namespace, target.Name, token, ct); },
        };
        host.Platform.ClearCalls();

        (await host.Reconciler.ReconcileAsync(host.Cr, context)).Outcome.Should().Be(ReconcileOutcome.InSync);
        sourced.Should().Be(1);

        (await host.Reconciler.ReconcileAsync(host.Cr, context with { Trigger = ReconcileTrigger.Change })).Outcome.Should().Be(ReconcileOutcome.InSync);
        sourced.Should().Be(1, "a change reads the platform directly");
        host.Platform.Calls.Count(c => c.Operation == PlatformOperation.GetDeployment).Should().Be(2);
    }

    [Fact]
    public void The_planner_owns_the_rule_that_a_rejected_generation_is_not_sent_again()
    {
        var planner = new DeploymentPlanner();
        var cr = FakeHost.Cr0();
        var rejected = cr.WithStatus(System.Text.Json.Nodes.JsonNode.Parse("""
            {"conditions":[{"type":"Synced","status":"False","reason":"PlatformRejected","observedGeneration":1}]}
            """)!.AsObject());

        var plan = planner.Plan(rejected, live: null);
        plan.Action.Should().Be(PlanAction.Blocked);
        plan.Reason.Should().Be(PlanReasons.Rejected);
        plan.Outcome.Should().Be(ReconcileOutcome.StillRejected);
        plan.Request.Should().BeNull();
        plan.StatusChanged.Should().BeFalse();

        var edited = planner.Plan(rejected.WithGeneration(2), live: null);
        edited.Action.Should().Be(PlanAction.Create, "a new generation is sent");
        edited.Outcome.Should().Be(ReconcileOutcome.Created);
    }
}
