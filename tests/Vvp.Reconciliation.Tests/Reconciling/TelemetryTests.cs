using System.Diagnostics.Metrics;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Reconciling;

/// <summary>What docs/observability.md promises: instruments, units and tags, and quiet logs for in-sync reconciles.</summary>
public sealed class TelemetryTests
{
    private sealed record Measurement(string Instrument, string? Unit, double Value, Dictionary<string, object?> Tags);

    /// <summary>Meters of their own, so that reconcilers of other tests running at the same time are not heard.</summary>
    private sealed class OwnMeters : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }

    private static (MeterListener Listener, List<Measurement> Measurements) Listen(OwnMeters meters)
    {
        var measurements = new List<Measurement>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ReconcilerTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, meters))
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (measurements)
            {
                measurements.Add(new Measurement(instrument.Name, instrument.Unit, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();
        return (listener, measurements);
    }

    [Fact]
    public async Task Reconciles_are_counted_by_result_and_timed_in_seconds_and_writes_by_kind()
    {
        using var meters = new OwnMeters();
        using var telemetry = new ReconcilerTelemetry(meters);
        var (listener, measurements) = Listen(meters);
        using var _ = listener;
        var host = new FakeHost(FakeHost.Cr0(), telemetry: telemetry);

        await host.ReconcileAsync();
        await host.ReconcileAsync();

        var reconciles = measurements.Where(m => m.Instrument == "vvp.reconciliation.reconciles").ToList();
        reconciles.Select(m => m.Tags["result"]).Should().Equal("wrote", "in_sync");
        var durations = measurements.Where(m => m.Instrument == "vvp.reconciliation.duration").ToList();
        durations.Should().HaveCount(2).And.OnlyContain(m => m.Unit == "s" && m.Value < 60);
        measurements.Where(m => m.Instrument == "vvp.reconciliation.writes").Select(m => m.Tags["kind"]).Should().Equal("create");
    }

    [Fact]
    public async Task An_in_sync_reconcile_logs_nothing_at_Information()
    {
        var host = new FakeHost(FakeHost.Cr0());
        await host.ReconcileAsync();
        host.Logger.Entries.Clear();

        await host.ReconcileAsync();

        host.Logger.Entries.Should().NotBeEmpty().And.OnlyContain(e => e.StartsWith("Debug", StringComparison.Ordinal) || e.StartsWith("scope", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_write_logs_one_Information_line_with_the_action_and_resource_version()
    {
        var host = new FakeHost(FakeHost.Cr0());

        await host.ReconcileAsync();

        host.Logger.Entries.Where(e => e.StartsWith("Information", StringComparison.Ordinal))
            .Should().Contain(e => e.Contains("Create default/test-cr: resource version", StringComparison.Ordinal));
    }

    [Fact]
    public void Reconcilers_given_no_telemetry_share_the_process_s_one_meter_instead_of_registering_one_each()
    {
        var options = new ReconcilerOptions();
        options.WatchedNamespaces.Add("default");
        using var own = new ReconcilerTelemetry();

        var given = new VvpDeploymentReconciler(new Vvp.Reconciliation.Testing.InMemoryPlatform(), options, telemetry: own);
        var defaults = Enumerable.Range(0, 50).Select(_ => new VvpDeploymentReconciler(new Vvp.Reconciliation.Testing.InMemoryPlatform(), options).Telemetry).Distinct().ToList();

        given.Telemetry.Should().BeSameAs(own);
        defaults.Should().ContainSingle().Which.Should().NotBeSameAs(own);
    }
}
