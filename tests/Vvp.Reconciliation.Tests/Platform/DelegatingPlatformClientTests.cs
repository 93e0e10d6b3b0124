using System.Text.Json.Nodes;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Tests.Platform;

public sealed class DelegatingPlatformClientTests
{
    [Fact]
    public async Task Every_call_it_does_not_override_reaches_the_inner_port()
    {
        var inner = new InMemoryPlatform();
        var counting = new CountingCreates(inner);

        await counting.CreateDeploymentAsync("ns", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "a" }, ["spec"] = new JsonObject { ["deploymentTargetName"] = "t", ["state"] = "CANCELLED" } }, null, default);
        var read = await counting.GetDeploymentAsync("ns", "a", null, default);
        await counting.PatchDeploymentAsync("ns", "a", new JsonObject { ["spec"] = new JsonObject { ["parallelism"] = 2 } }, null, default);
        await counting.ListDeploymentsAsync("ns", null, default);
        await counting.DeleteDeploymentAsync("ns", "a", null, default);

        counting.Creates.Should().Be(1);
        read.Should().NotBeNull();
        inner.Calls.Select(c => c.Operation).Should().Equal(
            PlatformOperation.CreateDeployment, PlatformOperation.GetDeployment, PlatformOperation.PatchDeployment,
            PlatformOperation.ListDeployments, PlatformOperation.DeleteDeployment);
    }

    private sealed class CountingCreates(IPlatformClient inner) : DelegatingPlatformClient(inner)
    {
        public int Creates { get; private set; }

        public override Task<JsonObject> CreateDeploymentAsync(string ns, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken)
        {
            Creates++;
            return base.CreateDeploymentAsync(ns, deployment, token, cancellationToken);
        }
    }
}
