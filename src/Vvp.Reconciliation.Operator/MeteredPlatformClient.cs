using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Operator;

/// <summary>Counts the platform calls the operator makes, by operation and outcome (<c>vvp.operator.platform.calls</c>).</summary>
internal sealed class MeteredPlatformClient(IPlatformClient inner, Counter<long> calls) : IPlatformClient
{
    public Task<JsonObject?> GetDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        Count("get", inner.GetDeploymentAsync(ns, name, token, cancellationToken));

    public Task<IReadOnlyList<JsonObject>> ListDeploymentsAsync(string ns, ApiToken? token, CancellationToken cancellationToken) =>
        Count("list", inner.ListDeploymentsAsync(ns, token, cancellationToken));

    public Task<ReadOnlyMemory<byte>?> GetDeploymentAsUtf8Async(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        Count("get", inner.GetDeploymentAsUtf8Async(ns, name, token, cancellationToken));

    public Task<IReadOnlyList<ReadOnlyMemory<byte>>> ListDeploymentsAsUtf8Async(string ns, ApiToken? token, CancellationToken cancellationToken) =>
        Count("list", inner.ListDeploymentsAsUtf8Async(ns, token, cancellationToken));

    public Task<JsonObject> CreateDeploymentAsync(string ns, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) =>
        Count("create", inner.CreateDeploymentAsync(ns, deployment, token, cancellationToken));

    public Task<JsonObject> PatchDeploymentAsync(string ns, string name, JsonObject patch, ApiToken? token, CancellationToken cancellationToken) =>
        Count("patch", inner.PatchDeploymentAsync(ns, name, patch, token, cancellationToken));

    public Task<JsonObject> ReplaceDeploymentAsync(string ns, string name, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) =>
        Count("replace", inner.ReplaceDeploymentAsync(ns, name, deployment, token, cancellationToken));

    public Task DeleteDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        Count("delete", inner.DeleteDeploymentAsync(ns, name, token, cancellationToken));

    public Task<IReadOnlyList<JsonObject>> ListSavepointsAsync(string ns, string deploymentId, ApiToken? token, CancellationToken cancellationToken) =>
        Count("list_savepoints", inner.ListSavepointsAsync(ns, deploymentId, token, cancellationToken));

    public Task<JsonObject> CreateSavepointAsync(string ns, JsonObject savepoint, ApiToken? token, CancellationToken cancellationToken) =>
        Count("create_savepoint", inner.CreateSavepointAsync(ns, savepoint, token, cancellationToken));

    private async Task<T> Count<T>(string operation, Task<T> call)
    {
        try
        {
            var result = await call.ConfigureAwait(false);
            calls.Add(1, new("operation", operation), new("outcome", "success"));
            return result;
        }
        catch (PlatformException ex)
        {
            calls.Add(1, new("operation", operation), new("outcome", ex.Kind.ToString()));
            throw;
        }
    }

    private async Task Count(string operation, Task call)
    {
        try
        {
            await call.ConfigureAwait(false);
            calls.Add(1, new("operation", operation), new("outcome", "success"));
        }
        catch (PlatformException ex)
        {
            calls.Add(1, new("operation", operation), new("outcome", ex.Kind.ToString()));
            throw;
        }
    }
}
