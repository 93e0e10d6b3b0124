using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Vvp.Reconciliation.Reconciling;

/// <summary>The <see cref="ActivitySource"/> and <see cref="Meter"/> named <c>Vvp.Reconciliation</c>.</summary>
public sealed class ReconcilerTelemetry : IDisposable
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "Vvp.Reconciliation";

    private static readonly Lazy<ReconcilerTelemetry> SharedInstance = new(() => new ReconcilerTelemetry());
    private readonly Meter _meter;

    /// <summary>Creates the instruments, from <paramref name="meterFactory"/> when given.</summary>
    /// <param name="meterFactory">The host's meter factory, or <see langword="null"/>.</param>
    public ReconcilerTelemetry(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(Name) ?? new Meter(Name);
        Reconciles = _meter.CreateCounter<long>("vvp.reconciliation.reconciles", unit: "{reconcile}", description: "Reconciles run, by result (wrote, in_sync, idle, failed, ignored).");
        Writes = _meter.CreateCounter<long>("vvp.reconciliation.writes", unit: "{write}", description: "Writes sent to the platform, by kind (create, patch, replace, record, savepoint, cancel, delete).");
        Failures = _meter.CreateCounter<long>("vvp.reconciliation.failures", unit: "{failure}", description: "Failures, by kind (the platform's error kind, InvalidSpec, Unauthenticated, Deadline, …).");
        Duration = _meter.CreateHistogram<double>("vvp.reconciliation.duration", unit: "s", description: "Duration of one reconcile, retries and waits included, by result.");
    }

    /// <summary>The activity source for reconciles.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name);

    // The process's one set of instruments for reconcilers given none (.NET's guidance for code without a meter factory:
    // one static Meter), so that short-lived reconcilers do not each leave a Meter registered with every listener.
    internal static ReconcilerTelemetry Shared => SharedInstance.Value;

    internal Counter<long> Reconciles { get; }

    internal Counter<long> Writes { get; }

    internal Counter<long> Failures { get; }

    internal Histogram<double> Duration { get; }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
