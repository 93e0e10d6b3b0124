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
public sealed partial class InMemoryPlatform : IPlatformClient
{
    private const string SpecVersion = "com.dataartisans.appmanager.controller.deployment.spec.version";
    private const string Transitioning = "com.dataartisans.appmanager.controller.deployment.transitioning";
    private const string TransitioningSince = "com.dataartisans.appmanager.controller.deployment.transitioning.since";
    private static readonly string[] UserMetadataKeys = ["displayName", "labels", "annotations"];

    private readonly object _gate = new();
    private readonly InMemoryPlatformOptions _options;
    private readonly Dictionary<(string Namespace, string Name), JsonObject> _deployments = [];

    // Deployments by id as well: the platform addresses them by either, and a fleet of thousands must not be scanned.
    private readonly Dictionary<string, JsonObject> _byId = new(StringComparer.Ordinal);
    private readonly List<JsonObject> _savepoints = [];
    private readonly List<PlatformCall> _calls = [];
    private readonly AccessControl _access = new();
    private readonly FaultSchedule _faults = new();
    private long _ids;
    private int _writes;

    /// <summary>Creates an empty platform.</summary>
    /// <param name="options">How it behaves; defaults when omitted.</param>
    public InMemoryPlatform(InMemoryPlatformOptions? options = null)
    {
        _options = options ?? new InMemoryPlatformOptions();
    }

    /// <summary>Every call received, in order.</summary>
    public IReadOnlyList<PlatformCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
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
                return _writes;
            }
        }
    }

    /// <summary>Forgets the recorded calls.</summary>
    public void ClearCalls()
    {
        lock (_gate)
        {
            _calls.Clear();
            _writes = 0;
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
            return Find(ns, name) is { } deployment ? Advance(deployment).DeepClone().AsObject() : null;
        }
    }

    /// <summary>Completes every transition now, as if <see cref="InMemoryPlatformOptions.TransitionDuration"/> had passed.</summary>
    public void CompleteTransitions()
    {
        lock (_gate)
        {
            foreach (var deployment in _deployments.Values)
            {
                if (deployment["metadata"]?["annotations"] is JsonObject annotations && JsonRead.Text(deployment, "status", "state") == "TRANSITIONING")
                {
                    annotations[TransitioningSince] = "0";
                    Advance(deployment);
                }
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
            return [.. _savepoints.Where(s => JsonRead.Text(s, "metadata", "namespace") == ns).Select(s => s.DeepClone().AsObject())];
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
            var stored = Find(ns, name) ?? throw new InvalidOperationException($"No deployment {ns}/{name}.");
            var copy = stored.DeepClone().AsObject();
            edit(copy);
            Store(ns, stored, copy["metadata"]?.DeepClone().AsObject() ?? [], copy["spec"]?.DeepClone().AsObject() ?? [], replaceMetadata: true);
        }
    }

    /// <summary>The platform's whole state (deployments, savepoints, the id counter) as JSON, to save and load later.</summary>
    /// <returns>A new JSON object.</returns>
    public JsonObject ExportState()
    {
        lock (_gate)
        {
            return new JsonObject
            {
                ["deployments"] = new JsonArray([.. _deployments.Values.Select(d => (JsonNode)d.DeepClone())]),
                ["savepoints"] = new JsonArray([.. _savepoints.Select(s => (JsonNode)s.DeepClone())]),
                ["nextId"] = Interlocked.Read(ref _ids),
            };
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
            _deployments.Clear();
            _byId.Clear();
            _savepoints.Clear();
            foreach (var deployment in (state["deployments"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var ns = JsonRead.Text(deployment, "metadata", "namespace");
                var name = JsonRead.Text(deployment, "metadata", "name");
                if (ns is null || name is null)
                {
                    throw new ArgumentException("Every saved deployment needs metadata.namespace and metadata.name.", nameof(state));
                }

                Add(ns, name, deployment.DeepClone().AsObject());
            }

            _savepoints.AddRange((state["savepoints"] as JsonArray ?? []).OfType<JsonObject>().Select(s => s.DeepClone().AsObject()));
            _ids = long.TryParse(state["nextId"]?.ToJsonString(), CultureInfo.InvariantCulture, out var next) ? next : _deployments.Count + _savepoints.Count;
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
            return RemoveDeployment(ns, name);
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
            return Insert(ns, deployment).DeepClone().AsObject();
        }
    }

    /// <inheritdoc />
    public Task<JsonObject?> GetDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        Run(PlatformOperation.GetDeployment, ns, name, null, token, () =>
            Find(ns, name) is { } deployment ? Advance(deployment).DeepClone().AsObject() : null, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<JsonObject>> ListDeploymentsAsync(string ns, ApiToken? token, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<JsonObject>>(PlatformOperation.ListDeployments, ns, null, null, token, () =>
            [.. _deployments.Where(d => d.Key.Namespace == ns).Select(d => Advance(d.Value).DeepClone().AsObject())], cancellationToken);

    /// <inheritdoc />
    public Task<JsonObject> CreateDeploymentAsync(string ns, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) =>
        Run(PlatformOperation.CreateDeployment, ns, JsonRead.Text(deployment, "metadata", "name"), deployment, token, () =>
        {
            var name = JsonRead.Text(deployment, "metadata", "name");
            if (name is not null && Find(ns, name) is not null)
            {
                throw ErrorFor(409, $"A deployment named '{name}' exists in namespace '{ns}'.");
            }

            return Insert(ns, deployment).DeepClone().AsObject();
        }, cancellationToken);

    /// <inheritdoc />
    public Task<JsonObject> PatchDeploymentAsync(string ns, string name, JsonObject patch, ApiToken? token, CancellationToken cancellationToken) =>
        Run(PlatformOperation.PatchDeployment, ns, name, patch, token, () =>
        {
            var stored = Find(ns, name) ?? throw ErrorFor(404, $"Deployment {name} not found in namespace {ns}.");
            var metadata = patch["metadata"] is JsonObject m ? (JsonObject)JsonMergePatch.Apply(UserMetadataOf(stored), Only(m, UserMetadataKeys))! : UserMetadataOf(stored);
            var spec = patch["spec"] is JsonObject specPatch ? (JsonObject)JsonMergePatch.Apply(stored["spec"], specPatch)! : stored["spec"]!.DeepClone().AsObject();
            return Store(ns, stored, metadata, spec, replaceMetadata: true).DeepClone().AsObject();
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
            if (Find(ns, name) is not { } stored)
            {
                return Insert(ns, deployment).DeepClone().AsObject();
            }

            var metadata = deployment["metadata"] is JsonObject m ? Only(m, UserMetadataKeys) : [];
            return Store(ns, stored, metadata, deployment["spec"]?.DeepClone().AsObject() ?? [], replaceMetadata: true, applyDefaults: applyDefaults).DeepClone().AsObject();
        }, cancellationToken);

    /// <inheritdoc />
    public Task DeleteDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        Run(PlatformOperation.DeleteDeployment, ns, name, null, token, () =>
        {
            var stored = Find(ns, name) ?? throw ErrorFor(404, $"Deployment {name} not found in namespace {ns}.");
            var state = JsonRead.Text(stored, "spec", "state");
            if (state is not ("CANCELLED" or "SUSPENDED"))
            {
                throw ErrorFor(400, $"Deployment {name} must be CANCELLED or SUSPENDED to be deleted; it is {state}.");
            }

            RemoveDeployment(ns, JsonRead.Text(stored, "metadata", "name")!);
            return true;
        }, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<JsonObject>> ListSavepointsAsync(string ns, string deploymentId, ApiToken? token, CancellationToken cancellationToken) =>
        Run<IReadOnlyList<JsonObject>>(PlatformOperation.ListSavepoints, ns, deploymentId, null, token, () =>
            [.. _savepoints.Where(s => JsonRead.Text(s, "metadata", "namespace") == ns && JsonRead.Text(s, "metadata", "deploymentId") == deploymentId)
                .Select(s => s.DeepClone().AsObject())], cancellationToken);

    /// <inheritdoc />
    public Task<JsonObject> CreateSavepointAsync(string ns, JsonObject savepoint, ApiToken? token, CancellationToken cancellationToken) =>
        Run(PlatformOperation.CreateSavepoint, ns, null, savepoint, token, () =>
        {
            var deploymentId = JsonRead.Text(savepoint, "metadata", "deploymentId");
            if (deploymentId is null || !_byId.ContainsKey(deploymentId))
            {
                throw ErrorFor(400, $"metadata.deploymentId '{deploymentId}' names no deployment.");
            }

            if (JsonRead.Text(savepoint, "spec", "savepointLocation") is null)
            {
                throw ErrorFor(400, "spec.savepointLocation is required.");
            }

            var stored = savepoint.DeepClone().AsObject();
            var metadata = stored["metadata"]!.AsObject();
            metadata["id"] = NewId();
            metadata["namespace"] = ns;
            metadata["origin"] = "COPIED";
            metadata["createdAt"] = Now();
            _savepoints.Add(stored);
            return stored.DeepClone().AsObject();
        }, cancellationToken);

    internal static PlatformException ErrorFor(int statusCode, string message, TimeSpan? retryAfter = null) =>
        PlatformException.FromStatus(statusCode, message, retryAfter);

    private Task<T> Run<T>(PlatformOperation operation, string ns, string? name, JsonObject? body, ApiToken? token, Func<T> action, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var call = new PlatformCall(operation, ns, name, body?.DeepClone().AsObject());
            _calls.Add(call);
            _writes += call.IsWrite ? 1 : 0;
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

    private JsonObject? Find(string ns, string nameOrId)
    {
        if (_deployments.TryGetValue((ns, nameOrId), out var byName))
        {
            return byName;
        }

        // The platform also addresses deployments by id (deprecated).
        return _byId.TryGetValue(nameOrId, out var byId) && JsonRead.Text(byId, "metadata", "namespace") == ns ? byId : null;
    }

    private void Add(string ns, string name, JsonObject deployment)
    {
        _deployments[(ns, name)] = deployment;
        if (JsonRead.Text(deployment, "metadata", "id") is { } id)
        {
            _byId[id] = deployment;
        }
    }

    private bool RemoveDeployment(string ns, string name)
    {
        if (!_deployments.Remove((ns, name), out var removed))
        {
            return false;
        }

        if (JsonRead.Text(removed, "metadata", "id") is { } id)
        {
            _byId.Remove(id);
        }

        return true;
    }

    private JsonObject Insert(string ns, JsonObject deployment)
    {
        var name = JsonRead.Text(deployment, "metadata", "name");
        if (name is null || !NamePattern().IsMatch(name) || name.Length > 63)
        {
            throw ErrorFor(400, $"metadata.name '{name}' must match [a-z0-9]([-a-z0-9]*[a-z0-9])?.");
        }

        var now = Now();
        var stored = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Deployment",
            ["metadata"] = new JsonObject
            {
                ["id"] = NewId(),
                ["name"] = name,
                ["namespace"] = ns,
                ["createdAt"] = now,
                ["modifiedAt"] = now,
                ["resourceVersion"] = 0,
            },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject(),
        };
        var metadata = deployment["metadata"] is JsonObject m ? Only(m, UserMetadataKeys) : [];
        Store(ns, stored, metadata, deployment["spec"]?.DeepClone().AsObject() ?? [], replaceMetadata: true, created: true);
        Add(ns, name, stored);
        return stored;
    }

    // Stores a write: user metadata and spec from the request, system fields from the platform.
    private JsonObject Store(string ns, JsonObject stored, JsonObject userMetadata, JsonObject spec, bool replaceMetadata, bool created = false, bool applyDefaults = true)
    {
        DeploymentDefaults.Validate(spec);
        var metadata = stored["metadata"]!.AsObject();
        var previousSpec = stored["spec"]?.DeepClone();
        var previousState = JsonRead.Text(stored, "spec", "state");
        var systemAnnotations = (metadata["annotations"] as JsonObject)?
            .Where(a => a.Key.StartsWith("com.dataartisans.", StringComparison.Ordinal))
            .ToDictionary(a => a.Key, a => a.Value?.DeepClone(), StringComparer.Ordinal) ?? [];
        if (replaceMetadata)
        {
            foreach (var key in UserMetadataKeys)
            {
                metadata.Remove(key);
                if (userMetadata[key] is { } value)
                {
                    metadata[key] = value.DeepClone();
                }
            }
        }

        var annotations = metadata["annotations"] as JsonObject ?? [];
        metadata["annotations"] = annotations;
        foreach (var (key, value) in systemAnnotations)
        {
            annotations[key] = value;
        }

        if (_options.ApplyDefaults && applyDefaults)
        {
            DeploymentDefaults.Apply(spec);
        }

        if (_options.NormalizeValues)
        {
            DeploymentDefaults.Normalize(spec);
        }

        stored["spec"] = spec;
        var version = long.Parse(JsonRead.Text(annotations, SpecVersion) ?? "0", CultureInfo.InvariantCulture);
        if (created || !JsonEquality.Equals(previousSpec, spec))
        {
            version++;
        }

        annotations[SpecVersion] = version.ToString(CultureInfo.InvariantCulture);
        metadata["resourceVersion"] = (long.TryParse(metadata["resourceVersion"]?.ToJsonString(), CultureInfo.InvariantCulture, out var version0) ? version0 : 0) + 1;
        metadata["modifiedAt"] = Now();
        metadata["namespace"] = ns;

        var state = JsonRead.Text(spec, "state");
        if (created || state != previousState)
        {
            StartTransition(stored, annotations, state);
        }
        else
        {
            annotations[Transitioning] ??= "false";
            annotations[TransitioningSince] ??= "0";
        }

        return stored;
    }

    private void StartTransition(JsonObject stored, JsonObject annotations, string? state)
    {
        var status = stored["status"] as JsonObject ?? [];
        stored["status"] = status;
        if (state is "CANCELLED" && JsonRead.Text(status, "state") is null or "CANCELLED" or "FAILED" or "FINISHED")
        {
            status["state"] = "CANCELLED";
            annotations[Transitioning] = "false";
            annotations[TransitioningSince] = "0";
            return;
        }

        status["state"] = "TRANSITIONING";
        annotations[Transitioning] = "true";
        annotations[TransitioningSince] = _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
    }

    // The state machine: a transition completes once its duration has passed on the platform's clock.
    private JsonObject Advance(JsonObject stored)
    {
        var annotations = stored["metadata"]?["annotations"] as JsonObject;
        if (JsonRead.Text(stored, "status", "state") != "TRANSITIONING" || annotations is null ||
            !long.TryParse(JsonRead.Text(annotations, TransitioningSince), CultureInfo.InvariantCulture, out var since))
        {
            return stored;
        }

        var elapsed = _options.TimeProvider.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(since);
        if (elapsed >= _options.TransitionDuration)
        {
            var target = JsonRead.Text(stored, "spec", "state") ?? "RUNNING";
            stored["status"]!["state"] = target;
            if (target == "RUNNING")
            {
                stored["status"]!["running"] = new JsonObject { ["jobId"] = NewId(), ["transitionTime"] = Now() };
            }
            else
            {
                stored["status"]!.AsObject().Remove("running");
            }

            annotations[Transitioning] = "false";
        }

        return stored;
    }

    private static JsonObject UserMetadataOf(JsonObject stored) => Only(stored["metadata"]!.AsObject(), UserMetadataKeys);

    private static JsonObject Only(JsonObject source, string[] keys)
    {
        var result = new JsonObject();
        foreach (var key in keys)
        {
            if (source.TryGetPropertyValue(key, out var value))
            {
                result[key] = value?.DeepClone();
            }
        }

        return result;
    }

    private string NewId() => $"00000000-0000-4000-8000-{Interlocked.Increment(ref _ids):D12}";

    private string Now() => _options.TimeProvider.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex NamePattern();

}
