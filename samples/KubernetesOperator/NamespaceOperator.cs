using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;

namespace KubernetesOperator;

/// <summary>
/// Runs the operator for one watched Kubernetes namespace: takes the namespace's ConfigMap lock, watches
/// the VvpDeployment CRs there, reconciles each change, writes status, spec updates and events back, and
/// looks again when a reconcile asks it to.
/// </summary>
internal sealed class NamespaceOperator(IKubernetes client, VvpDeploymentReconciler reconciler, ReconcilerOptions options, string kubernetesNamespace)
{
    private const string Group = "ververica.platform";
    private const string Version = "v1";
    private const string Plural = "vvpdeployments";
    private const string Finalizer = "reconciliation.vvp/finalizer";
    private const string LeaderAnnotation = "control-plane.alpha.kubernetes.io/leader";

    private readonly ConcurrentDictionary<string, JsonObject> _latest = new(StringComparer.Ordinal);
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var holder = await LockHolderAsync(cancellationToken).ConfigureAwait(false);
        var decision = NamespaceLock.Decide(kubernetesNamespace, holder, options.Identity);
        Console.WriteLine(decision.Message);
        if (!decision.MayWatch)
        {
            return;
        }

        var elector = new LeaderElector(new LeaderElectionConfig(new ConfigMapLock(client, kubernetesNamespace, NamespaceLock.ConfigMapName, options.Identity))
        {
            LeaseDuration = TimeSpan.FromSeconds(30),
            RenewDeadline = TimeSpan.FromSeconds(20),
            RetryPeriod = TimeSpan.FromSeconds(5),
        });
        // Each term of leadership watches and works until it ends.
        CancellationTokenSource? term = null;
        elector.OnStartedLeading += () =>
        {
            term = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var token = term.Token;
            Task.WhenAll(WatchAsync(token), WorkAsync(token)).ContinueWith(
                t => Console.Error.WriteLine($"{kubernetesNamespace}: stopped: {t.Exception?.GetBaseException().Message}"),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        };
        elector.OnStoppedLeading += () => term?.Cancel();
        try
        {
            await elector.RunAndTryToHoldLeadershipForeverAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            term?.Dispose();
        }
    }

    private async Task<string?> LockHolderAsync(CancellationToken cancellationToken)
    {
        try
        {
            var map = await client.CoreV1.ReadNamespacedConfigMapAsync(NamespaceLock.ConfigMapName, kubernetesNamespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            return map.Metadata.Annotations is { } annotations && annotations.TryGetValue(LeaderAnnotation, out var record)
                ? JsonNode.Parse(record)?["holderIdentity"]?.GetValue<string>()
                : null;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    // A watch ends when the API server closes it; every new watch lists everything again, which is the resync.
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var events = client.CustomObjects.WatchListNamespacedCustomObjectAsync(Group, Version, kubernetesNamespace, Plural, cancellationToken: cancellationToken);
                await foreach (var (type, item) in events.ConfigureAwait(false))
                {
                    if (item is not JsonElement element || JsonNode.Parse(element.GetRawText()) is not JsonObject cr ||
                        cr["metadata"]?["name"]?.GetValue<string>() is not { } name)
                    {
                        continue;
                    }

                    if (type == WatchEventType.Deleted)
                    {
                        _latest.TryRemove(name, out _);
                        continue;
                    }

                    _latest[name] = cr;
                    _queue.Writer.TryWrite(name);
                }
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or IOException)
            {
                Console.Error.WriteLine($"{kubernetesNamespace}: watch failed ({ex.GetType().Name}); watching again.");
                await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        await foreach (var name in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!_latest.TryGetValue(name, out var document))
            {
                continue;
            }

            try
            {
                await ReconcileAsync(name, document, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or JsonException)
            {
                Console.Error.WriteLine($"{kubernetesNamespace}/{name}: {ex.GetType().Name}: {ex.Message}; retrying in 30 s.");
                Requeue(name, TimeSpan.FromSeconds(30), cancellationToken);
            }
        }
    }

    private async Task ReconcileAsync(string name, JsonObject document, CancellationToken cancellationToken)
    {
        var resource = VvpDeploymentResource.FromDocument(document);
        var metadata = document["metadata"]!.AsObject();
        var finalizers = (metadata["finalizers"] as JsonArray)?.Select(f => f!.GetValue<string>()).ToList() ?? [];
        ReconcileResult result;
        if (metadata["deletionTimestamp"] is not null)
        {
            result = await reconciler.DeleteAsync(resource, cancellationToken).ConfigureAwait(false);
            if (result.DeletionFinished && finalizers.Remove(Finalizer))
            {
                await PatchAsync(name, new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = Strings(finalizers) } }, status: false, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            if (options.DeletionPolicy != DeletionPolicy.Orphan && !finalizers.Contains(Finalizer))
            {
                finalizers.Add(Finalizer);
                await PatchAsync(name, new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = Strings(finalizers) } }, status: false, cancellationToken).ConfigureAwait(false);
            }

            result = await reconciler.ReconcileAsync(resource, cancellationToken).ConfigureAwait(false);
            if (result.SpecUpdate is { } spec)
            {
                await PatchAsync(name, new JsonObject { ["spec"] = spec.DeepClone() }, status: false, cancellationToken).ConfigureAwait(false);
            }

            if (result.StatusChanged && result.Status is { } status)
            {
                await PatchAsync(name, new JsonObject { ["status"] = status.DeepClone() }, status: true, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var e in result.Events)
        {
            await RecordEventAsync(metadata, e, cancellationToken).ConfigureAwait(false);
        }

        if (result.RequeueAfter is { } after)
        {
            Requeue(name, after, cancellationToken);
        }
    }

    private async Task PatchAsync(string name, JsonObject body, bool status, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(body, V1Patch.PatchType.MergePatch);
        if (status)
        {
            await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, Group, Version, kubernetesNamespace, Plural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, Group, Version, kubernetesNamespace, Plural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RecordEventAsync(JsonObject metadata, ReconcileEvent e, CancellationToken cancellationToken)
    {
        var name = metadata["name"]!.GetValue<string>();
        var now = DateTime.UtcNow;
        await client.CoreV1.CreateNamespacedEventAsync(
            new Corev1Event
            {
                Metadata = new V1ObjectMeta { GenerateName = name + ".", NamespaceProperty = kubernetesNamespace },
                InvolvedObject = new V1ObjectReference
                {
                    ApiVersion = $"{Group}/{Version}",
                    Kind = VvpDeploymentResource.KindValue,
                    Name = name,
                    NamespaceProperty = kubernetesNamespace,
                    Uid = metadata["uid"]?.GetValue<string>(),
                },
                Type = e.Type,
                Reason = e.Reason,
                Message = e.Message,
                Source = new V1EventSource { Component = "vvp-reconciliation" },
                FirstTimestamp = now,
                LastTimestamp = now,
                Count = 1,
            },
            kubernetesNamespace,
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private void Requeue(string name, TimeSpan after, CancellationToken cancellationToken) =>
        Task.Delay(after, cancellationToken).ContinueWith(delay => _queue.Writer.TryWrite(name), cancellationToken, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)v)]);
}
