using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>Tests that measure the process's heap: they run alone, after every other test class.</summary>
[CollectionDefinition(nameof(HeapMeasuring), DisableParallelization = true)]
public sealed class HeapMeasuring;

/// <summary>
/// The controller's memory across resyncs (issue: memory flat across resyncs): a fleet in sync, resynced twenty times, in
/// both resync modes, over real sockets against the Kubernetes API stand-in and the platform emulator. The live heap after
/// a full collection is compared after the 30th and the 50th resync, with the test's own records (log lines, the stand-in's, the platform's and the emulator's call logs)
/// cleared before each measurement.
/// </summary>
[Collection(nameof(HeapMeasuring))]
public sealed class ControllerMemoryTests
{
    private const int Crs = 300;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Twenty_resyncs_of_a_fleet_in_sync_after_thirty_leave_the_live_heap_as_it_was(bool listPlatformNamespaces)
    {
        await using var session = await OperatorSession.StartAsync(TimeSpan.Zero);
        var running = session.Start(OperatorSession.Options(configure: o =>
        {
            o.Workers = 4;
            o.PlatformNamespaceListing = listPlatformNamespaces ? PlatformNamespaceListing.Always : PlatformNamespaceListing.Never;
        }));
        var names = Enumerable.Range(0, Crs).Select(i => $"cr-{i:D3}").ToList();
        foreach (var name in names)
        {
            session.Apply(name);
        }

        await OperatorSession.Eventually(() => names.All(n => session.State(n) == "SYNCING"), "the fleet is synced", TimeSpan.FromMinutes(2));
        await OperatorSession.Eventually(() => running.Controller.IsIdle, "the fleet settled");
        var writes = running.Controller.KubernetesWrites;

        long afterThirtieth = 0;
        for (var resync = 1; resync <= 50; resync++)
        {
            // A key is handled by a reconcile, or found unchanged since its last quiet resync.
            var before = running.Controller.KeysHandled;
            running.Controller.ResyncNow();
            await OperatorSession.Eventually(() => running.Controller.KeysHandled >= before + Crs && running.Controller.IsIdle, $"resync {resync} handled every CR");
            if (resync == 30)
            {
                // Thirty resyncs first: the warm-up of the runtime and of the in-process servers (tiered compilation, the
                // array and Kestrel memory pools sized to the LIST's answers, connections) is over by then.
                afterThirtieth = LiveHeap(session);
            }
        }

        var afterFiftieth = LiveHeap(session);

        running.Controller.KubernetesWrites.Should().Be(writes, "the fleet was in sync: the resyncs wrote nothing");
        if (listPlatformNamespaces)
        {
            running.Controller.PlatformNamespaceLists.Should().BeGreaterThanOrEqualTo(20, "each resync read the namespace with one LIST");
        }

        running.Controller.UnchangedResyncs.Should().Be(49L * Crs, "from the second resync on, every CR and its deployment were as their last quiet resync read them");

        // 20 resyncs of 300 CRs: a leak of 175 bytes per CR and resync would be 1 MiB.
        (afterFiftieth - afterThirtieth).Should().BeLessThan(1024 * 1024, $"the live heap was {afterThirtieth / 1024} KiB after the 30th resync and {afterFiftieth / 1024} KiB after the 50th");
    }

    private static long LiveHeap(OperatorSession session)
    {
        session.Logs.Entries.Clear();
        session.Api.ClearCalls();
        session.Vvp.ClearCalls();
        lock (session.Emulator.Exchanges)
        {
            session.Emulator.Exchanges.Clear();
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
