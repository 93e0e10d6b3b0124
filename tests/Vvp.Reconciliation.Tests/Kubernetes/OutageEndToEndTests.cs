using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>A long API outage: longer than the lease, the renew deadline and every backoff. Its own class, so it runs beside the others.</summary>
public sealed class OutageEndToEndTests
{
    [Fact]
    public async Task A_forty_second_API_outage_crashes_nothing_and_work_resumes()
    {
        await using var session = await OperatorSession.StartAsync();
        var running = session.Start(OperatorSession.Options(configure: o => o.RetryMaxDelay = TimeSpan.FromSeconds(5)));
        session.Apply("test-cr");
        await OperatorSession.Eventually(() => session.State("test-cr") == "SYNCING", "the CR is synced");

        session.Api.Faults.Outage = true;
        await OperatorSession.Eventually(() => !running.Controller.Health.IsLeading, "the leader stops leading once it cannot renew", TimeSpan.FromSeconds(10));
        session.Api.Faults.Outage = false;
        session.Edit("test-cr", c => c["spec"]!["deployment"]!["spec"]!["maxJobCreationAttempts"] = 3); // made while the controller cannot see it
        session.Api.Faults.Outage = true;
        await Task.Delay(TimeSpan.FromSeconds(40));
        running.Run.IsCompleted.Should().BeFalse("an outage is waited out, never a crash");

        session.Api.Faults.Outage = false;

        await OperatorSession.Eventually(() => running.Controller.Health.IsLeading, "it leads again", TimeSpan.FromSeconds(15));
        await OperatorSession.Eventually(() => JsonRead.Int64(session.Vvp.Snapshot("default", "test-cr"), "spec", "maxJobCreationAttempts") == 3, "the edit made during the outage is applied", TimeSpan.FromSeconds(15));
        session.Logs.Entries.Should().NotContain(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error, "every failure was expected and handled");
    }
}
