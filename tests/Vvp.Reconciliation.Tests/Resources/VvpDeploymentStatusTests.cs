using System.Text.Json.Nodes;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Resources;

/// <summary>The typed view of a status reads what the projection writes, and tolerates what it did not write.</summary>
public sealed class VvpDeploymentStatusTests
{
    [Fact]
    public async Task The_view_reads_the_conditions_and_the_custom_resource_status_a_reconcile_projects()
    {
        var host = new FakeHost(FakeHost.Cr0());

        var result = await host.ReconcileAsync();
        var status = VvpDeploymentStatus.From(result.Status);

        status.CustomResourceState.Should().Be("SYNCING");
        status.DeploymentId.Should().Be(host.Deployment["metadata"]!["id"]!.GetValue<string>());
        status.ObservedGeneration.Should().Be(1);
        status.LastSyncedGeneration.Should().Be(1);
        status.Synced.Should().NotBeNull();
        status.Synced!.IsTrue.Should().BeTrue();
        status.Synced.Reason.Should().Be("Created");
        status.Ready!.Type.Should().Be("Ready");
        status.Conditions.Select(c => c.Type).Should().Equal("Synced", "Ready", "Reconciling", "Stalled");
        status.Json.Should().BeSameAs(result.Status);
    }

    [Fact]
    public void A_missing_or_malformed_status_reads_as_absent_values_not_an_exception()
    {
        var odd = (JsonObject)JsonNode.Parse("""{"customResourceStatus":"text","conditions":[1,{"status":"True"},{"type":"Synced","status":7}]}""")!;

        VvpDeploymentStatus.From(null).Synced.Should().BeNull();
        var status = VvpDeploymentStatus.From(odd);

        status.CustomResourceState.Should().BeNull();
        status.Conditions.Should().ContainSingle().Which.Status.Should().Be("Unknown");
    }
}
