using System.Text.Json.Nodes;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>
/// How a resync chooses between one LIST of a platform namespace and a GET per CR (<see cref="PlatformNamespaceListing"/>),
/// read by the resync's reads as the host makes them: <see cref="NamespaceSnapshots.ForAsync"/> once per CR.
/// </summary>
public sealed class NamespaceSnapshotsTests
{
    private static readonly IReadOnlyList<string> Crs = [.. Enumerable.Range(0, 10).Select(i => $"cr-{i}")];

    [Theory]
    [InlineData(30, new[] { true, true, true, true, true, true, true, true, true, true, true, true })]
    [InlineData(100, new[] { true, false, false, false, false, false, false, false, false, false, false, true })]
    public async Task Auto_reads_a_namespace_whose_LIST_held_more_than_four_deployments_per_CR_with_GETs_for_ten_resyncs_then_lists_it_again(int others, bool[] listedPerResync)
    {
        var platform = Platform(others);
        var snapshots = new NamespaceSnapshots(platform, PlatformNamespaceListing.Auto, new CapturingLogger<NamespaceSnapshotsTests>());
        var listed = new List<bool>();
        for (var resync = 0; resync < 12; resync++)
        {
            listed.Add(await ResyncAsync(snapshots, Expected(Crs.Count)) switch
            {
                10 => true,
                0 => false,
                var served => throw new InvalidOperationException($"resync {resync + 1}: {served} of 10 reads were served by a LIST; a namespace is listed for all of its reads or none"),
            });
        }

        listed.Should().Equal(listedPerResync);
        platform.Calls.Count(c => c.Operation == PlatformOperation.ListDeployments).Should().Be(listedPerResync.Count(l => l));
        snapshots.Held.Should().Be(0, "a resync's LISTs are let go when it ends");
    }

    [Fact]
    public async Task Auto_lists_a_namespace_from_the_eighth_read_of_a_resync_when_the_last_one_knew_of_fewer()
    {
        var platform = Platform(others: 0, crs: 20);
        var snapshots = new NamespaceSnapshots(platform, PlatformNamespaceListing.Auto, new CapturingLogger<NamespaceSnapshotsTests>());
        snapshots.BeginResync(Expected(0));
        var served = new List<bool>();
        for (var i = 0; i < 20; i++)
        {
            served.Add(await snapshots.ForAsync(new DeploymentTarget("default", $"cr-{i}"), null, CancellationToken.None) is { } snapshot &&
                snapshot.TryFind($"cr-{i}", out _));
        }

        snapshots.EndResync();
        served.Should().Equal([.. Enumerable.Repeat(false, NamespaceSnapshots.AutoMinimumReads - 1), .. Enumerable.Repeat(true, 20 - NamespaceSnapshots.AutoMinimumReads + 1)]);
        platform.Calls.Count(c => c.Operation == PlatformOperation.ListDeployments).Should().Be(1);
    }

    [Fact]
    public async Task Auto_reads_a_namespace_of_fewer_than_eight_CRs_with_GETs_and_Always_lists_it()
    {
        var platform = Platform(others: 0, crs: 3);
        var auto = new NamespaceSnapshots(platform, PlatformNamespaceListing.Auto, new CapturingLogger<NamespaceSnapshotsTests>());
        var always = new NamespaceSnapshots(platform, PlatformNamespaceListing.Always, new CapturingLogger<NamespaceSnapshotsTests>());

        (await ResyncAsync(always, Expected(3), crs: 3)).Should().Be(3, "the positive control: Always lists a namespace of three CRs");
        platform.ClearCalls();
        for (var resync = 0; resync < 3; resync++)
        {
            (await ResyncAsync(auto, Expected(3), crs: 3)).Should().Be(0);
        }

        platform.Calls.Should().NotContain(c => c.Operation == PlatformOperation.ListDeployments);
    }

    [Fact]
    public async Task Auto_does_not_try_a_failed_LIST_again_for_ten_resyncs_and_says_so_once()
    {
        var platform = Platform(others: 0);
        platform.FailNext(PlatformOperation.ListDeployments, PlatformFault.Status(503));
        var logger = new CapturingLogger<NamespaceSnapshotsTests>();
        var snapshots = new NamespaceSnapshots(platform, PlatformNamespaceListing.Auto, logger);

        var served = new List<int>();
        for (var resync = 0; resync < 12; resync++)
        {
            served.Add(await ResyncAsync(snapshots, Expected(Crs.Count)));
        }

        served.Should().Equal(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10);
        platform.Calls.Count(c => c.Operation == PlatformOperation.ListDeployments).Should().Be(2, "the failed LIST, and the one ten resyncs later");
        logger.Entries.Count(e => e.StartsWith("Warning The resync's LIST of platform namespace default failed", StringComparison.Ordinal)).Should().Be(1);
    }

    // One resync as the host reads: each CR once; how many of the reads the namespace's LIST served.
    private static async Task<int> ResyncAsync(NamespaceSnapshots snapshots, IReadOnlyDictionary<(string Namespace, ApiToken? Token), int> expected, int crs = 10)
    {
        snapshots.BeginResync(expected);
        var served = 0;
        foreach (var name in Enumerable.Range(0, crs).Select(i => $"cr-{i}"))
        {
            if (await snapshots.ForAsync(new DeploymentTarget("default", name), null, CancellationToken.None) is { } snapshot)
            {
                snapshot.TryFind(name, out var utf8).Should().BeTrue();
                JsonNode.Parse(utf8.Span)!["metadata"]!["name"]!.GetValue<string>().Should().Be(name);
                served++;
            }
        }

        snapshots.EndResync();
        return served;
    }

    private static Dictionary<(string Namespace, ApiToken? Token), int> Expected(int reads) => new() { [("default", null)] = reads };

    // A platform namespace with the CRs' deployments and others no CR reads.
    private static InMemoryPlatform Platform(int others, int crs = 10)
    {
        var platform = new InMemoryPlatform();
        foreach (var name in Enumerable.Range(0, crs).Select(i => $"cr-{i}").Concat(Enumerable.Range(0, others).Select(i => $"other-{i}")))
        {
            platform.Seed("default", new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name },
                ["spec"] = new JsonObject { ["state"] = "CANCELLED", ["deploymentTargetName"] = "test-target" },
            });
        }

        return platform;
    }
}
