using System.Globalization;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Testing;

/// <summary>
/// The in-memory platform's storage: deployments by namespace and name and by id (the platform addresses
/// them by either; lookups are O(1) so fleets of thousands stay linear), savepoints, the id counter, and
/// the saved form of all of it. Not thread-safe: <see cref="InMemoryPlatform"/> holds its lock around every use.
/// </summary>
internal sealed class DeploymentStore
{
    private readonly Dictionary<(string Namespace, string Name), JsonObject> _deployments = [];
    private readonly Dictionary<string, JsonObject> _byId = new(StringComparer.Ordinal);
    private readonly List<JsonObject> _savepoints = [];
    private long _ids;

    public IEnumerable<JsonObject> Deployments => _deployments.Values;

    public IEnumerable<JsonObject> Savepoints => _savepoints;

    public IEnumerable<string> NamesIn(string ns) => _deployments.Keys.Where(k => k.Namespace == ns).Select(k => k.Name);

    public bool HasId(string id) => _byId.ContainsKey(id);

    public JsonObject? Find(string ns, string nameOrId)
    {
        if (_deployments.TryGetValue((ns, nameOrId), out var byName))
        {
            return byName;
        }

        // The platform also addresses deployments by id (deprecated).
        return _byId.TryGetValue(nameOrId, out var byId) && JsonRead.Text(byId, "metadata", "namespace") == ns ? byId : null;
    }

    public void Add(string ns, string name, JsonObject deployment)
    {
        _deployments[(ns, name)] = deployment;
        if (JsonRead.Text(deployment, "metadata", "id") is { } id)
        {
            _byId[id] = deployment;
        }
    }

    public bool Remove(string ns, string name)
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

    public void AddSavepoint(JsonObject savepoint) => _savepoints.Add(savepoint);

    public string NewId() => $"00000000-0000-4000-8000-{Interlocked.Increment(ref _ids):D12}";

    public JsonObject Export() => new()
    {
        ["deployments"] = new JsonArray([.. _deployments.Values.Select(d => (JsonNode)d.DeepClone())]),
        ["savepoints"] = new JsonArray([.. _savepoints.Select(s => (JsonNode)s.DeepClone())]),
        ["nextId"] = Interlocked.Read(ref _ids),
    };

    public void Import(JsonObject state)
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
