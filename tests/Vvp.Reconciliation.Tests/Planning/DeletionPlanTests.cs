using System.Text.Json.Nodes;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Planning;

/// <summary>Deletion is a plan like any other: the planner decides (§15 deletion policies), the executor only carries it out.</summary>
public sealed class DeletionPlanTests
{
    private static readonly DeploymentPlanner Planner = new();

    [Theory]
    [InlineData(DeletionPolicy.Orphan, "RUNNING", "RUNNING", DeletionStep.Finished, "Orphaned")]
    [InlineData(DeletionPolicy.Cancel, "RUNNING", "RUNNING", DeletionStep.Cancel, "Cancelled")]
    [InlineData(DeletionPolicy.Cancel, "CANCELLED", "CANCELLED", DeletionStep.Finished, "Cancelled")]
    [InlineData(DeletionPolicy.Delete, "RUNNING", "RUNNING", DeletionStep.Cancel, "Cancelling")]
    [InlineData(DeletionPolicy.Delete, "CANCELLED", "TRANSITIONING", DeletionStep.WaitForCancelled, "WaitingForCancel")]
    [InlineData(DeletionPolicy.Delete, "CANCELLED", "CANCELLED", DeletionStep.Delete, "Deleted")]
    public void Each_deletion_policy_takes_its_steps_in_order(DeletionPolicy policy, string specState, string statusState, DeletionStep step, string reason)
    {
        var live = TestCrs.Live();
        live["spec"]!["state"] = specState;
        live["status"]!["state"] = statusState;

        var plan = Planner.PlanDeletion(TestCrs.Cr(), live, policy);

        plan.Step.Should().Be(step);
        plan.Reason.Should().Be(reason);
        (plan.Request?.ToJsonString()).Should().Be(step == DeletionStep.Cancel ? """{"spec":{"state":"CANCELLED"}}""" : null);
        plan.FinishedAfterWrite.Should().Be(step == DeletionStep.Delete || (step == DeletionStep.Cancel && policy == DeletionPolicy.Cancel));
    }

    [Fact]
    public void A_deployment_owned_by_another_is_never_cancelled_or_deleted()
    {
        var plan = Planner.PlanDeletion(TestCrs.Cr(), TestCrs.Live(owner: "vvp-2/other/cr"), DeletionPolicy.Delete);

        plan.Step.Should().Be(DeletionStep.Finished);
        plan.IsWarning.Should().BeTrue();
        plan.Message.Should().Contain("vvp-2/other/cr");
    }

    [Fact]
    public void A_deployment_that_is_gone_finishes_the_deletion()
    {
        Planner.PlanDeletion(TestCrs.Cr(), null, DeletionPolicy.Delete).Step.Should().Be(DeletionStep.Finished);
    }

    [Fact]
    public void The_savepoint_registration_request_is_planned_from_the_deployment()
    {
        var live = TestCrs.Live();

        var body = DeploymentPlanner.PlanSavepointRegistration("s3://b/sp", live)!;

        body["metadata"]!["deploymentId"]!.GetValue<string>().Should().Be(live["metadata"]!["id"]!.GetValue<string>());
        body["spec"]!["savepointLocation"]!.GetValue<string>().Should().Be("s3://b/sp");
        body["status"]!["state"]!.GetValue<string>().Should().Be("COMPLETED");
        DeploymentPlanner.PlanSavepointRegistration("s3://b/sp", new JsonObject()).Should().BeNull("a deployment without an id cannot have a savepoint yet");
    }

    [Fact]
    public void Plan_warnings_carry_codes_that_are_the_event_reasons()
    {
        var cr = TestCrs.Cr("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp"},"deployment":{"userMetadata":{"id":"x"}}}}""");

        var plan = Planner.Plan(cr, TestCrs.Live());

        plan.Warnings.Select(w => w.Code).Should().BeEquivalentTo([PlanWarnings.KeysErased, PlanWarnings.InitialSavepointSkipped]);
    }
}
