using Vvp.Reconciliation.Planning;
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
}
