using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Testing;

/// <summary>
/// An in-memory Ververica Platform that behaves like the real one, for tests without a cluster: it assigns
/// ids and timestamps, increments <c>resourceVersion</c> on every write (an identical PATCH too), writes the
/// platform's system annotations, applies defaults, runs the state machine (a change of <c>spec.state</c>
/// is <c>TRANSITIONING</c> until <see cref="InMemoryPlatformOptions.TransitionDuration"/> has passed on its
/// clock), refuses to delete a running deployment, merges PATCH by RFC 7396, upserts on PUT, registers
/// savepoints, checks tokens and roles when any token is added, injects faults, and records every call.
/// It is safe to use from several threads.
/// </summary>
public sealed class InMemoryPlatform : IPlatformClient
{
    private readonly object _gate = new();
    private readonly InMemoryPlatformOptions _options;
    private readonly DeploymentStore _store = new();
    private readonly DeploymentLifecycle _lifecycle;
    private readonly CallLog _calls;
    private readonly AccessControl _access = new();
    private readonly FaultSchedule _faults = new();

    /// <summary>Creates an empty platform.</summary>
    /// <param name="options">How it behaves; defaults when omitted.</param>
    public InMemoryPlatform(InMemoryPlatformOptions? options = null)
    {
        _options = options ?? new InMemoryPlatformOptions();
        _lifecycle = new DeploymentLifecycle(_options, _store);
        _calls = new CallLog(_options.RecordCalls);
    }

    /// <summary>Every call received, in order (none when <see cref="InMemoryPlatformOptions.RecordCalls"/> is false).</summary>
    public IReadOnlyList<PlatformCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return _calls.Snapshot();
            }
        }
    }

    /// <summary>How many calls changed (or tried to change) the platform.</summary>
    public int WriteCount
    {
        get
        {
            lock (_gate)
            {
                return _calls.Writes;
            }
        }
    }

    /// <summary>Forgets the recorded calls.</summary>
    public void ClearCalls()
    {
        lock (_gate)
        {
            _calls.Clear();
        }
    }

    /// <summary>Requires API tokens from now on, and accepts <paramref name="token"/> with <paramref name="role"/>.</summary>
    /// <param name="token">The token text.</param>
    /// <param name="role">Its role.</param>
    public void AddToken(string token, PlatformRole role)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        lock (_gate)
        {
            _access.Add(token, role);
        }
    }

    /// <summary>Answers the next <paramref name="times"/> calls of <paramref name="operation"/> with <paramref name="fault"/>.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="fault">The fault.</param>
    /// <param name="times">How many calls.</param>
    public void FailNext(PlatformOperation operation, PlatformFault fault, int times = 1)
    {
        ArgumentNullException.ThrowIfNull(fault);
        lock (_gate)
        {
            _faults.FailNext(operation, fault, times);
        }
    }

    /// <summary>Answers calls of <paramref name="operation"/> with <paramref name="fault"/> at random, reproducibly from <paramref name="seed"/>.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="fault">The fault.</param>
    /// <param name="probability">The chance of each call failing, from 0 to 1.</param>
    /// <param name="seed">The random seed.</param>
    public void FailRandomly(PlatformOperation operation, PlatformFault fault, double probability, int seed)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfLessThan(probability, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(probability, 1);
        lock (_gate)
        {
            _faults.FailRandomly(operation, fault, probability, seed);
        }
    }

    /// <summary>Stops all injected faults.</summary>
    public void ClearFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>A copy of a deployment as the platform holds it now (without recording a call).</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="name">The deployment name.</param>
    /// <returns>The deployment, or <see langword="null"/>.</returns>
    public JsonObject? Snapshot(string ns, string name)
    {
        lock (_gate)
        {
            return _store.Find(ns, name) is { } deployment ? _lifecycle.Advance(deployment).DeepClone().AsObject() : null;
        }
    }

    /// <summary>Completes every transition now, as if <see cref="InMemoryPlatformOptions.TransitionDuration"/> had passed.</summary>
    public void CompleteTransitions()
    {
        lock (_gate)
        {
            foreach (var deployment in _store.Deployments)
            {
                _lifecycle.CompleteTransition(deployment);
            }
        }
    }

    /// <summary>The savepoints of a namespace (copies).</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <returns>The savepoints.</returns>
    public IReadOnlyList<JsonObject> SavepointsOf(string ns)
    {
        lock (_gate)
        {
            return [.. _store.Savepoints.Where(s => JsonRead.Text(s, "metadata", "namespace") == ns).Select(s => s.DeepClone().AsObject())];
        }
    }

    /// <summary>Edits a deployment out of band, as a person in the UI would: the edit is stored like a write.</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="name">The deployment name.</param>
    /// <param name="edit">Changes the deployment (metadata and spec).</param>
    /// <exception cref="InvalidOperationException">There is no such deployment.</exception>
    public void Edit(string ns, string name, Action<JsonObject> edit)
    {
        ArgumentNullException.ThrowIfNull(edit);
        lock (_gate)
        {
            var stored = _store.Find(ns, name) ?? throw new InvalidOperationException($"No deployment {ns}/{name}.");
            var copy = stored.DeepClone().AsObject();
            edit(copy);
            _lifecycle.Store(ns, stored, copy["metadata"]?.DeepClone().AsObject() ?? [], copy["spec"]?.DeepClone().AsObject() ?? [], replaceMetadata: true);
        }
    }

    /// <summary>The platform's whole state (deployments, savepoints, the id counter) as JSON, to save and load later.</summary>
    /// <returns>A new JSON object.</returns>
    public JsonObject ExportState()
    {
        lock (_gate)
        {
            return _store.Export();
        }
    }

    /// <summary>Replaces the platform's state with one from <see cref="ExportState"/>.</summary>
    /// <param name="state">The saved state.</param>
    /// <exception cref="ArgumentException">The state is not in the exported shape.</exception>
    public void ImportState(JsonObject state)
    {
        ArgumentNullException.ThrowIfNull(state);
        lock (_gate)
        {
            _store.Import(state);
        }
    }

    /// <summary>Removes a deployment directly, as if someone had deleted it (no call is recorded).</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="name">The deployment name.</param>
    /// <returns>True when there was one.</returns>
    public bool Remove(string ns, string name)
    {
        lock (_gate)
        {
            return _store.Remove(ns, name);
        }
    }

    /// <summary>Puts a deployment on the platform directly, as if someone had created it (no call is recorded).</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="deployment">The deployment (metadata with a name, and spec).</param>
    /// <returns>The stored deployment.</returns>
    public JsonObject Seed(string ns, JsonObject deployment)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        lock (_gate)
        {
            return _lifecycle.Insert(ns, deployment).DeepClone().AsObject();
        }
    }

    /// <inheritdoc />
    public Task<JsonObject?> GetDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        Run(PlatformOperation.GetDeployment, ns, name, null, token, () =>
            _store.Find(ns, name) is { } deployment ? _lifecycle.Advance(deployment).DeepClone().AsObject() : null, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// The deployments are copied <see cref="ListBatch"/> at a time, each batch under the platform's lock, so that other
    /// calls are answered between batches while a LIST of a large namespace is built; a deployment deleted meanwhile is
    /// left out.
    /// </remarks>
    public async Task<IReadOnlyList<JsonObject>> ListDeploymentsAsync(string ns, ApiToken? token, CancellationToken cancellationToken)
    {
        var names = await Run<List<string>>(PlatformOperation.ListDeployments, ns, null, null, token, () =>
            [.. _store.NamesIn(ns)], cancellationToken).ConfigureAwait(false);
        var deployments = new List<JsonObject>(names.Count);
        foreach (var batch in names.Chunk(ListBatch))
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (_gate)
            {
                foreach (var name in batch)
                {
                    if (_store.Find(ns, name) is { } deployment)
                    {
                        deployments.Add(_lifecycle.Advance(deployment).DeepClone().AsObject());
                    }
                }
            }
        }

        return deployments;
    }

    /// <summary>How many deployments a LIST copies under one hold of the platform's lock.</summary>
    private const int ListBatch = 256;

    /// <inheritdoc />
    public Task<JsonObject> CreateDeploymentAsync(string ns, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) =>
        Run(PlatformOperation.CreateDeployment, ns, JsonRead.Text(deployment, "metadata", "name"), deployment, token, () =>
        {
            var name = JsonRead.Text(deployment, "metadata", "name");
            if (name is not null && _store.Find(ns, name) is not null)
            {
                throw ErrorFor(409, $"A deployment named '{name}' exists in namespace '{ns}'.");
            }

            return _lifecycle.Insert(ns, deployment).DeepClone().AsObject();
        }, cancellationToken);

    /// <inheritdoc />
    public Task<JsonObject> PatchDeploymentAsync(string ns, string name, JsonObject patch, ApiToken? token, CancellationToken cancellationToken) =>
        Run(PlatformOperation.PatchDeployment, ns, name, patch, token, () =>
        {
            var stored = _store.Find(ns, name) ?? throw ErrorFor(404, $"Deployment {name} not found in namespace {ns}.");
            var metadata = patch["metadata"] is JsonObject m ? (JsonObject)JsonMergePatch.Apply(DeploymentLifecycle.UserMetadataOnly(stored["metadata"]!.AsObject()), DeploymentLifecycle.UserMetadataOnly(m))! : DeploymentLifecycle.UserMetadataOnly(stored["metadata"]!.AsObject());
            var spec = patch["spec"] is JsonObject specPatch ? (JsonObject)JsonMergePatch.Apply(stored["spec"], specPatch)! : stored["spec"]!.DeepClone().AsObject();
            return _lifecycle.Store(ns, stored, metadata, spec, replaceMetadata: true).DeepClone().AsObject();
        }, cancellationToken);

    /// <inheritdoc />
    public Task<JsonObject> ReplaceDeploymentAsync(string ns, string name, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) =>
        ReplaceDeploymentAsync(ns, name, deployment, _options.ApplyDefaults, token, cancellationToken);

    /// <summary>
    /// <c>PUT</c> with the platform API's <c>applyDefaults</c> query parameter (2.6 and later; <see langword="true"/> when
    /// absent): whether the platform fills in its defaults, as it does on create.
    /// </summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="name">The deployment name.</param>
    /// <param name="deployment">The whole deployment.</param>
    /// <param name="applyDefaults">Whether defaults are applied (only when <see cref="InMemoryPlatformOptions.ApplyDefaults"/> is on too).</param>
    /// <param name="token">The API token.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The stored deployment.</returns>
    public Task<JsonObject> ReplaceDeploymentAsync(string ns, string name, JsonObject deployment, bool applyDefaults, ApiToken? token, CancellationToken cancellationToken) =>
        Run(PlatformOperation.ReplaceDeployment, ns, name, deployment, token, () =>
        {
            if (_store.Find(ns, name) is not { } stored)
            {
                return _lifecycle.Insert(ns, deployment).DeepClone().AsObject();
            }

            var metadata = deployment["metadata"] is JsonObject m ? DeploymentLifecycle.UserMetadataOnly(m) : [];
            return _lifecycle.Store(ns, stored, metadata, deployment["spec"]?.DeepClone().AsObject() ?? [], replaceMetadata: true, applyDefaults: applyDefaults).DeepClone().AsObject();
        }, cancellationToken);

    /// <inheritdoc />
    public Task DeleteDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        Run(PlatformOperation.DeleteDeployment, ns, name, null, token, () =>
        {
            var stored = _store.Find(ns, name) ?? throw ErrorFor(404, $"Deployment {name} not found in namespace {ns}.");
            var state = JsonRead.Text(stored, "spec", "state");
            if (state is not ("CANCELLED" or "SUSPENDED"))
            {
                throw ErrorFor(400, $"Deployment {name} must be CANCELLED or SUSPENDED to be deleted; it is {state}.");
            }

            _store.Remove(ns, JsonRead.Text(stored, "metadata", "name")!);
            return true;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<JsonObject>> ListSavepointsAsync(string ns, string deploymentId, ApiToken? token, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<JsonObject>>(PlatformOperation.ListSavepoints, ns, deploymentId, null, token, () =>
            [.. _store.Savepoints.Where(s => JsonRead.Text(s, "metadata", "namespace") == ns && JsonRead.Text(s, "metadata", "deploymentId") == deploymentId)
                .Select(s => s.DeepClone().AsObject())], cancellationToken);

    /// <inheritdoc />
    public Task<JsonObject> CreateSavepointAsync(string ns, JsonObject savepoint, ApiToken? token, CancellationToken cancellationToken) =>
        Run(PlatformOperation.CreateSavepoint, ns, null, savepoint, token, () =>
        {
            var deploymentId = JsonRead.Text(savepoint, "metadata", "deploymentId");
            if (deploymentId is null || !_store.HasId(deploymentId))
            {
                throw ErrorFor(400, $"metadata.deploymentId '{deploymentId}' names no deployment.");
            }

            if (JsonRead.Text(savepoint, "spec", "savepointLocation") is null)
            {
                throw ErrorFor(400, "spec.savepointLocation is required.");
            }

            var stored = savepoint.DeepClone().AsObject();
            var metadata = stored["metadata"]!.AsObject();
            metadata["id"] = _store.NewId();
            metadata["namespace"] = ns;
            metadata["origin"] = "COPIED";
            metadata["createdAt"] = _lifecycle.Now();
            _store.AddSavepoint(stored);
            return stored.DeepClone().AsObject();
        }, cancellationToken);

    internal static PlatformException ErrorFor(int statusCode, string message, TimeSpan? retryAfter = null) =>
        PlatformException.FromStatus(statusCode, message, retryAfter);

    private Task<T> Run<T>(PlatformOperation operation, string ns, string? name, JsonObject? body, ApiToken? token, Func<T> action, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            _calls.Record(new PlatformCall(operation, ns, name, _options.RecordCalls ? body?.DeepClone().AsObject() : null));
            if (_faults.Next(operation) is { } fault)
            {
                return Task.FromException<T>(fault.Create());
            }

            try
            {
                _access.Authorize(operation, token);
                return Task.FromResult(action());
            }
            catch (PlatformException ex)
            {
                return Task.FromException<T>(ex);
            }
        }
    }
}
