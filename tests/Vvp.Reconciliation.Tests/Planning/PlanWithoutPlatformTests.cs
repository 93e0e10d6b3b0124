using System.Text.Json.Nodes;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Planning;

/// <summary>The planner alone decides when a CR is refused before any platform call, and when validation may be skipped.</summary>
public sealed class PlanWithoutPlatformTests
{
    private static readonly DeploymentPlanner Planner = new();

    [Fact]
    public void An_invalid_CR_is_blocked_before_any_platform_call()
    {
        var plan = Planner.PlanWithoutPlatform(TestCrs.Cr("""{"spec":{"deployment":{"spec":{"state":"STOPPED"}}}}"""));

        plan.Should().NotBeNull();
        plan!.Action.Should().Be(PlanAction.Blocked);
        plan.Errors.Should().Contain(e => e.Path == "/spec/deployment/spec/state");
    }

    [Fact]
    public void A_valid_CR_goes_on_to_be_planned_against_its_deployment()
    {
        Planner.PlanWithoutPlatform(TestCrs.Cr()).Should().BeNull();
    }

    [Fact]
    public void A_generation_the_status_records_as_synced_skips_validation()
    {
        var invalidButSynced = TestCrs.Cr("""{"metadata":{"generation":3},"spec":{"deployment":{"spec":{"state":"STOPPED"}}}}""")
            .WithStatus(new JsonObject { ["customResourceStatus"] = new JsonObject { ["lastSyncedGeneration"] = 3 } });

        Planner.PlanWithoutPlatform(invalidButSynced).Should().BeNull("that generation was valid when it was synced");
        Planner.Plan(invalidButSynced, null).Action.Should().Be(PlanAction.Blocked, "a write still passes the planner's own validation");
    }
}
