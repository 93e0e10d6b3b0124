using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Vvp.Reconciliation.Reconciling;

/// <summary>The <see cref="ActivitySource"/> and <see cref="Meter"/> named <c>Vvp.Reconciliation</c>.</summary>
public sealed class ReconcilerTelemetry : IDisposable
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "Vvp.Reconciliation";

    private readonly Meter _meter;

    /// <summary>Creates the instruments, from <paramref name="meterFactory"/> when given.</summary>
    /// <param name="meterFactory">The host's meter factory, or <see langword="null"/>.</param>
    public ReconcilerTelemetry(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(Name) ?? new Meter(Name);
        Reconciles = _meter.CreateCounter<long>("vvp.reconciliation.reconciles", description: "Reconciles run.");
        Writes = _meter.CreateCounter<long>("vvp.reconciliation.writes", description: "Writes sent to the platform, by kind.");
        Failures = _meter.CreateCounter<long>("vvp.reconciliation.failures", description: "Reconciles that failed, by kind.");
        Duration = _meter.CreateHistogram<double>("vvp.reconciliation.duration", unit: "ms", description: "Reconcile duration.");
    }

    /// <summary>The activity source for reconciles.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    internal Counter<long> Reconciles { get; }

    internal Counter<long> Writes { get; }

    internal Counter<long> Failures { get; }

    internal Histogram<double> Duration { get; }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
