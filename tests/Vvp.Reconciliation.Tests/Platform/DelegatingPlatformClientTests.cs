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

    [Fact]
    public async Task A_list_as_bytes_reaches_the_inner_port_s_own_not_the_default_over_its_trees()
    {
        var bytesOnly = new BytesOnlyLists(new InMemoryPlatform());
        using var meter = new System.Diagnostics.Metrics.Meter("test.delegating");
        var listed = meter.CreateCounter<long>("calls");

        var passed = await new CountingCreates(bytesOnly).ListDeploymentsAsUtf8Async("ns", null, default);
        var metered = await new Vvp.Reconciliation.Operator.MeteredPlatformClient(bytesOnly, listed).ListDeploymentsAsUtf8Async("ns", null, default);

        passed.Single().ToArray().Should().Equal(BytesOnlyLists.Item);
        metered.Single().ToArray().Should().Equal(BytesOnlyLists.Item, "the operator's metered client passes the call on too");
        await FluentActions.Awaiting(() => new CountingCreates(bytesOnly).ListDeploymentsAsync("ns", null, default))
            .Should().ThrowAsync<NotSupportedException>("the positive control: the tree list is the one that fails");
    }

    [Fact]
    public async Task A_deployment_read_as_bytes_reaches_the_inner_port_s_own_not_the_default_over_its_tree()
    {
        var bytesOnly = new BytesOnlyLists(new InMemoryPlatform());
        using var meter = new System.Diagnostics.Metrics.Meter("test.delegating");
        var read = meter.CreateCounter<long>("calls");

        var passed = await new CountingCreates(bytesOnly).GetDeploymentAsUtf8Async("ns", "a", null, default);
        var metered = await new Vvp.Reconciliation.Operator.MeteredPlatformClient(bytesOnly, read).GetDeploymentAsUtf8Async("ns", "a", null, default);

        passed!.Value.ToArray().Should().Equal(BytesOnlyLists.Item);
        metered!.Value.ToArray().Should().Equal(BytesOnlyLists.Item, "the operator's metered client passes the call on too");
        await FluentActions.Awaiting(() => new CountingCreates(bytesOnly).GetDeploymentAsync("ns", "a", null, default))
            .Should().ThrowAsync<NotSupportedException>("the positive control: the tree read is the one that fails");
    }

    // Answers lists and reads as bytes only: a caller that reached its trees would fail.
    private sealed class BytesOnlyLists(IPlatformClient inner) : DelegatingPlatformClient(inner)
    {
        public static readonly byte[] Item = "{\"metadata\":{\"name\":\"a\"}}"u8.ToArray();

        public override Task<IReadOnlyList<JsonObject>> ListDeploymentsAsync(string ns, ApiToken? token, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override Task<JsonObject?> GetDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public override Task<ReadOnlyMemory<byte>?> GetDeploymentAsUtf8Async(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
            Task.FromResult<ReadOnlyMemory<byte>?>(Item);

        public override Task<IReadOnlyList<ReadOnlyMemory<byte>>> ListDeploymentsAsUtf8Async(string ns, ApiToken? token, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<ReadOnlyMemory<byte>>>([Item]);
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
