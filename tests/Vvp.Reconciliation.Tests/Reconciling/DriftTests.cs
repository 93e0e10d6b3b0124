using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Reconciling;

/// <summary>§16: a reconcile that corrects fields changed on the platform says so, field by field, secrets masked.</summary>
public sealed class DriftTests
{
    private const string WithConfiguration = """{"spec":{"deployment":{"spec":{"template":{"spec":{"flinkConfiguration":{"s3.secret-key":"from-git-1234","parallelism.default":"2"}}}}}}}""";

    [Fact]
    public async Task A_correction_of_an_edit_made_on_the_platform_is_an_Event_naming_each_field_with_old_and_new_value_secrets_masked()
    {
        var host = new FakeHost(FakeHost.Cr0(WithConfiguration));
        await host.ReconcileAsync();
        host.Platform.Edit("default", "test-cr", d =>
        {
            d["spec"]!["maxJobCreationAttempts"] = 3;
            d["spec"]!["template"]!["spec"]!["flinkConfiguration"]!["s3.secret-key"] = "typed-in-the-ui-5678";
        });

        var result = await host.ReconcileAsync();

        result.Outcome.Should().Be(ReconcileOutcome.Patched);
        var drift = result.Events.Should().ContainSingle(e => e.Reason == "DriftCorrected").Which;
        drift.Message.Should().Contain("/spec/maxJobCreationAttempts: 3 → 99")
            .And.Contain("/spec/template/spec/flinkConfiguration/s3.secret-key: *** → ***")
            .And.NotContain("typed-in-the-ui").And.NotContain("from-git");
    }

    [Fact]
    public async Task A_change_of_the_CR_is_written_without_a_drift_Event()
    {
        var host = new FakeHost(FakeHost.Cr0(WithConfiguration));
        await host.ReconcileAsync();
        host.EditCr("""{"spec":{"deployment":{"spec":{"maxJobCreationAttempts":7}}}}""");

        var result = await host.ReconcileAsync();

        result.Outcome.Should().Be(ReconcileOutcome.Patched, "the positive control: the change was written");
        result.Events.Should().NotContain(e => e.Reason == "DriftCorrected");
    }

    [Fact]
    public async Task Under_driftPolicy_Report_an_edit_made_on_the_platform_stays_and_Drifted_names_the_fields_while_a_change_of_the_CR_is_still_written()
    {
        var host = new FakeHost(FakeHost.Cr0(WithConfiguration), o => o.DriftPolicy = DriftPolicy.Report);
        await host.ReconcileAsync();
        host.Platform.Edit("default", "test-cr", d => d["spec"]!["maxJobCreationAttempts"] = 3);
        var writes = host.Platform.WriteCount;

        var reported = await host.ReconcileAsync();
        var again = await host.ReconcileAsync();

        reported.Writes.Should().Be(0);
        host.Platform.WriteCount.Should().Be(writes);
        host.Deployment["spec"]!["maxJobCreationAttempts"]!.GetValue<int>().Should().Be(3, "the edit made on the platform stays");
        var drifted = VvpDeploymentStatus.From(host.Cr.Status).Conditions.Should().ContainSingle(c => c.Type == "Drifted").Which;
        (drifted.Status, drifted.Message).Should().Be(("True", "Changed on the platform and left as it is (driftPolicy: Report): /spec/maxJobCreationAttempts."));
        again.Writes.Should().Be(0);
        again.StatusChanged.Should().BeFalse("the report stands until something changes");

        host.EditCr("""{"spec":{"deployment":{"spec":{"maxJobCreationAttempts":7}}}}""");
        var changed = await host.ReconcileAsync();

        changed.Outcome.Should().Be(ReconcileOutcome.Patched, "a change of the CR is still written");
        host.Deployment["spec"]!["maxJobCreationAttempts"]!.GetValue<int>().Should().Be(7);
        VvpDeploymentStatus.From(host.Cr.Status).Conditions.Should().NotContain(c => c.Type == "Drifted");
    }
}
