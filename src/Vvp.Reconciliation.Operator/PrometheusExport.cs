using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Prometheus;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Reconciling;

namespace Vvp.Reconciliation.Operator;

/// <summary>
/// Exports the .NET meters of the reconciler, the controller and the operator as Prometheus metrics of the right type,
/// in a registry of its own (with prometheus-net's process and runtime metrics): a <see cref="Counter{T}"/> becomes a
/// counter named <c>…_total</c>, a <see cref="Histogram{T}"/> a histogram, an observable gauge a gauge. Names follow
/// OpenTelemetry's Prometheus conventions: dots become underscores, unit <c>s</c> adds <c>_seconds</c>, annotations
/// such as <c>{reconcile}</c> add nothing. Each instrument's label names are declared in <see cref="Labels"/>; an
/// instrument of these meters without an entry is not exported and is named in <see cref="Unexported"/>.
/// </summary>
internal sealed class PrometheusExport : IDisposable
{
    /// <summary>The operator's own meter (platform calls and requests).</summary>
    public const string OperatorMeterName = "Vvp.Reconciliation.Operator";

    /// <summary>The label names of every exported instrument, by instrument name.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Labels = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["vvp.reconciliation.reconciles"] = ["result"],
        ["vvp.reconciliation.duration"] = ["result"],
        ["vvp.reconciliation.writes"] = ["kind"],
        ["vvp.reconciliation.failures"] = ["kind"],
        ["vvp.operator.reconcile"] = ["result"],
        ["vvp.operator.reconcile.errors"] = [],
        ["vvp.operator.reconcile.time"] = ["result"],
        ["vvp.operator.workqueue.adds"] = [],
        ["vvp.operator.workqueue.depth"] = [],
        ["vvp.operator.workqueue.queue_duration"] = ["trigger"],
        ["vvp.operator.workqueue.work_duration"] = [],
        ["vvp.operator.workqueue.retries"] = [],
        ["vvp.operator.workqueue.unfinished_work"] = [],
        ["vvp.operator.workqueue.longest_running_processor"] = [],
        ["vvp.operator.active_workers"] = [],
        ["vvp.operator.max_concurrent_reconciles"] = [],
        ["vvp.operator.leading"] = [],
        ["vvp.operator.kubernetes.writes"] = ["kind"],
        ["vvp.operator.kubernetes.requests"] = ["verb", "code"],
        ["vvp.operator.kubernetes.request.duration"] = ["verb"],
        ["vvp.operator.platform.calls"] = ["operation", "outcome"],
        ["vvp.operator.platform.requests"] = ["method", "code"],
        ["vvp.operator.platform.request.duration"] = ["method"],
    };

    // Seconds, from a millisecond to five minutes: reconciles, queue waits and requests all fall inside.
    private static readonly double[] SecondsBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

    private static readonly HashSet<string> Meters = new(StringComparer.Ordinal)
    {
        ReconcilerTelemetry.Name, VvpController.MeterName, OperatorMeterName,
    };

    private readonly MeterListener _listener = new();
    private readonly MetricFactory _factory;
    private readonly ConcurrentDictionary<string, byte> _unexported = new(StringComparer.Ordinal);

    // Instruments of the same name from several meters (one per controller or reconciler) share one metric.
    private readonly ConcurrentDictionary<string, Exported> _metrics = new(StringComparer.Ordinal);

    public PrometheusExport()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        DotNetStats.Register(Registry);
        _factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!Meters.Contains(instrument.Meter.Name))
            {
                return;
            }

            if (Export(instrument) is { } exported)
            {
                listener.EnableMeasurementEvents(instrument, exported);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((Exported)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((Exported)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((Exported)state!).Record(value, tags));
        _listener.Start();
        // Gauges are read when Prometheus scrapes.
        Registry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    /// <summary>The registry <c>/metrics</c> serves.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Instruments of the exported meters that have no entry in <see cref="Labels"/> (none, when the table is complete).</summary>
    public IReadOnlyCollection<string> Unexported => [.. _unexported.Keys];

    /// <summary>The Prometheus name of an instrument: dots to underscores, the unit's suffix, <c>_total</c> for a counter.</summary>
    public static string PrometheusName(string instrument, string? unit, bool counter)
    {
        var name = instrument.Replace('.', '_');
        var suffix = unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => string.Empty,
        };
        if (suffix.Length > 0 && !name.EndsWith(suffix, StringComparison.Ordinal))
        {
            name += suffix;
        }

        return counter ? name + "_total" : name;
    }

    public void Dispose() => _listener.Dispose();

    private Exported? Export(Instrument instrument)
    {
        if (!Labels.TryGetValue(instrument.Name, out var labels))
        {
            _unexported.TryAdd(instrument.Name, 0);
            return null;
        }

        return _metrics.GetOrAdd(instrument.Name, _ => Create(instrument, labels));
    }

    private Exported Create(Instrument instrument, string[] labels)
    {
        var type = instrument.GetType().GetGenericTypeDefinition();
        var help = instrument.Description ?? instrument.Name;
        if (type == typeof(Counter<>))
        {
            var name = PrometheusName(instrument.Name, instrument.Unit, counter: true);
            var counter = _factory.CreateCounter(name, help, labels);
            return new Exported(labels, (values, value) => counter.WithLabels(values).Inc(value));
        }

        if (type == typeof(Histogram<>))
        {
            var name = PrometheusName(instrument.Name, instrument.Unit, counter: false);
            var histogram = _factory.CreateHistogram(name, help, labels, new HistogramConfiguration { Buckets = SecondsBuckets });
            return new Exported(labels, (values, value) => histogram.WithLabels(values).Observe(value));
        }

        // Observable gauges (and up-down counters, which are gauges in Prometheus).
        var gaugeName = PrometheusName(instrument.Name, instrument.Unit, counter: false);
        var gauge = _factory.CreateGauge(gaugeName, help, labels);
        return type == typeof(UpDownCounter<>)
            ? new Exported(labels, (values, value) => gauge.WithLabels(values).Inc(value))
            : new Exported(labels, (values, value) => gauge.WithLabels(values).Set(value));
    }

    /// <summary>One exported metric: the measurement's tags, ordered as the metric's labels, and what to do with the value.</summary>
    private sealed class Exported(string[] labels, Action<string[], double> record)
    {
        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var values = new string[labels.Length];
            for (var i = 0; i < labels.Length; i++)
            {
                values[i] = string.Empty;
                foreach (var tag in tags)
                {
                    if (tag.Key == labels[i])
                    {
                        values[i] = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? string.Empty;
                        break;
                    }
                }
            }

            record(values, value);
        }
    }
}
