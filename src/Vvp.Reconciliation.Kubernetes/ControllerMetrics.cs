using System.Diagnostics.Metrics;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// The controller's instruments on the meter <see cref="VvpController.MeterName"/>, the set controller-runtime operators
/// export (reconciles by result, errors, reconcile time, the work queue's depth, adds, queue latency, work duration,
/// retries, unfinished work and longest running processor, active workers), leadership, and the Kubernetes client's
/// requests by verb and code. Names follow OpenTelemetry's conventions; an exporter following them (dots to
/// underscores, <c>_seconds</c> for unit <c>s</c>, <c>_total</c> for counters) gives <c>vvp_operator_workqueue_adds_total</c>.
/// </summary>
internal sealed class ControllerMetrics : IDisposable
{
    private readonly Meter _meter;

    public ControllerMetrics()
    {
        _meter = new Meter(VvpController.MeterName);
        Reconciles = _meter.CreateCounter<long>("vvp.operator.reconcile", unit: "{reconcile}", description: "Handlings of a CR's key by the controller, by result (success, error, requeue, requeue_after).");
        ReconcileErrors = _meter.CreateCounter<long>("vvp.operator.reconcile.errors", unit: "{error}", description: "Handlings of a CR's key that failed and were backed off.");
        ReconcileTime = _meter.CreateHistogram<double>("vvp.operator.reconcile.time", unit: "s", description: "How long handling a CR's key took, by result.");
        Adds = _meter.CreateCounter<long>("vvp.operator.workqueue.adds", unit: "{key}", description: "Keys added to the work queue (a key already waiting is not added again).");
        QueueDuration = _meter.CreateHistogram<double>("vvp.operator.workqueue.queue_duration", unit: "s", description: "How long a key waited in the work queue before a worker took it, by trigger (change, resync).");
        WorkDuration = _meter.CreateHistogram<double>("vvp.operator.workqueue.work_duration", unit: "s", description: "How long a worker held a key.");
        Retries = _meter.CreateCounter<long>("vvp.operator.workqueue.retries", unit: "{retry}", description: "Keys added back after a backoff (a failure or a conflict).");
        KubernetesWrites = _meter.CreateCounter<long>("vvp.operator.kubernetes.writes", unit: "{write}", description: "Writes to CRs, by kind (spec, status, finalizer).");
        KubernetesRequests = _meter.CreateCounter<long>("vvp.operator.kubernetes.requests", unit: "{request}", description: "Requests to the Kubernetes API, by verb and HTTP status code (<error> when no answer came).");
        KubernetesRequestDuration = _meter.CreateHistogram<double>("vvp.operator.kubernetes.request.duration", unit: "s", description: "How long a Kubernetes API request took until its answer's headers, by verb.");
    }

    public Counter<long> Reconciles { get; }

    public Counter<long> ReconcileErrors { get; }

    public Histogram<double> ReconcileTime { get; }

    public Counter<long> Adds { get; }

    public Histogram<double> QueueDuration { get; }

    public Histogram<double> WorkDuration { get; }

    public Counter<long> Retries { get; }

    public Counter<long> KubernetesWrites { get; }

    public Counter<long> KubernetesRequests { get; }

    public Histogram<double> KubernetesRequestDuration { get; }

    /// <summary>The gauges, read when an exporter collects.</summary>
    public void Observe(Func<int> depth, Func<(double Unfinished, double Longest)> inFlight, Func<int> activeWorkers, int maxWorkers, Func<bool> leading)
    {
        _meter.CreateObservableGauge("vvp.operator.workqueue.depth", depth, unit: "{key}", description: "Keys waiting in the work queue to be handled now.");
        _meter.CreateObservableGauge("vvp.operator.workqueue.unfinished_work", () => inFlight().Unfinished, unit: "s", description: "Seconds of work in progress that no worker has finished: the sum over keys being handled.");
        _meter.CreateObservableGauge("vvp.operator.workqueue.longest_running_processor", () => inFlight().Longest, unit: "s", description: "How long the longest-running worker has held its key.");
        _meter.CreateObservableGauge("vvp.operator.active_workers", activeWorkers, unit: "{worker}", description: "Workers handling a key now.");
        _meter.CreateObservableGauge("vvp.operator.max_concurrent_reconciles", () => maxWorkers, unit: "{worker}", description: "Workers of the controller (the setting workers).");
        _meter.CreateObservableGauge("vvp.operator.leading", () => leading() ? 1 : 0, unit: "{replica}", description: "1 while this replica leads, 0 otherwise.");
    }

    /// <summary>A request's verb as Kubernetes names it: a GET of a collection is a list, with <c>watch=true</c> a watch.</summary>
    public static string Verb(HttpMethod method, string path) => method.Method switch
    {
        "GET" when path.Contains("watch=true", StringComparison.Ordinal) => "watch",
        "GET" when IsCollection(path) => "list",
        "GET" => "get",
        "POST" => "create",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" => "delete",
        _ => "other",
    };

    public void Dispose() => _meter.Dispose();

    // …/namespaces/{ns}/{plural} (with or without a query) is a collection; …/{plural}/{name}[/{subresource}] is not.
    private static bool IsCollection(string path)
    {
        var end = path.IndexOf('?', StringComparison.Ordinal);
        var segments = (end < 0 ? path : path[..end]).Trim('/').Split('/');
        var at = Array.LastIndexOf(segments, "namespaces");
        return at >= 0 && segments.Length == at + 3;
    }
}
