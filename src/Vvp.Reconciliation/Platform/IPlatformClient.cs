using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Platform;

/// <summary>
/// The port to Ververica Platform's Application Manager. Every call carries the token to use (or none);
/// implementations hold no credential of their own. Failures are <see cref="PlatformException"/>s.
/// </summary>
public interface IPlatformClient
{
    /// <summary>Reads a deployment by namespace and name.</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="name">The deployment name.</param>
    /// <param name="token">The API token, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The deployment, or <see langword="null"/> when there is none.</returns>
    Task<JsonObject?> GetDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a deployment as <see cref="GetDeploymentAsync"/> does, as the UTF-8 bytes of its JSON object, for a caller
    /// that compares what it read before it parses it (a resync that fingerprints each answer). The default serialises
    /// what <see cref="GetDeploymentAsync"/> returns; an adapter that reads JSON overrides it to hand out the bytes as
    /// they arrived.
    /// </summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="name">The deployment name.</param>
    /// <param name="token">The API token, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The deployment's JSON, or <see langword="null"/> when there is none.</returns>
    async Task<ReadOnlyMemory<byte>?> GetDeploymentAsUtf8Async(string ns, string name, ApiToken? token, CancellationToken cancellationToken)
    {
        if (await GetDeploymentAsync(ns, name, token, cancellationToken).ConfigureAwait(false) is not { } deployment)
        {
            return null;
        }

        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        WriteUtf8(deployment, buffer);
        return buffer.WrittenMemory;
    }

    /// <summary>Lists the deployments of a namespace.</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="token">The API token, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The deployments.</returns>
    Task<IReadOnlyList<JsonObject>> ListDeploymentsAsync(string ns, ApiToken? token, CancellationToken cancellationToken);

    /// <summary>
    /// Lists the deployments of a namespace as <see cref="ListDeploymentsAsync"/> does, each as the UTF-8 bytes of its JSON
    /// object, for a caller that keeps many of them without their trees (a resync's LIST of a whole namespace). The
    /// default serialises what <see cref="ListDeploymentsAsync"/> returns; an adapter that reads JSON overrides it to
    /// hand out each item's bytes as they arrived, so the list is never a tree.
    /// </summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="token">The API token, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Each deployment's JSON, in the list's order.</returns>
    async Task<IReadOnlyList<ReadOnlyMemory<byte>>> ListDeploymentsAsUtf8Async(string ns, ApiToken? token, CancellationToken cancellationToken)
    {
        var deployments = await ListDeploymentsAsync(ns, token, cancellationToken).ConfigureAwait(false);
        var list = new List<ReadOnlyMemory<byte>>(deployments.Count);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var deployment in deployments)
        {
            WriteUtf8(deployment, buffer);
            list.Add(buffer.WrittenSpan.ToArray());
        }

        return list;
    }

    // What the byte reads' defaults hand out: a deployment's JSON, written into buffer from its start.
    private static void WriteUtf8(JsonObject deployment, System.Buffers.ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        using var writer = new System.Text.Json.Utf8JsonWriter(buffer);
        deployment.WriteTo(writer);
    }

    /// <summary>Creates a deployment (<c>POST</c>).</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="deployment">The deployment to create.</param>
    /// <param name="token">The API token, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The deployment as the platform stored it.</returns>
    Task<JsonObject> CreateDeploymentAsync(string ns, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken);

    /// <summary>Patches a deployment with a merge-patch body (<c>PATCH</c>).</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="name">The deployment name.</param>
    /// <param name="patch">The merge patch.</param>
    /// <param name="token">The API token, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The deployment after the patch.</returns>
    Task<JsonObject> PatchDeploymentAsync(string ns, string name, JsonObject patch, ApiToken? token, CancellationToken cancellationToken);

    /// <summary>Replaces a deployment (<c>PUT</c>).</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="name">The deployment name.</param>
    /// <param name="deployment">The whole deployment.</param>
    /// <param name="token">The API token, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The deployment as the platform stored it.</returns>
    Task<JsonObject> ReplaceDeploymentAsync(string ns, string name, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken);

    /// <summary>Deletes a deployment; the platform requires it to be CANCELLED or SUSPENDED.</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="name">The deployment name.</param>
    /// <param name="token">The API token, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    Task DeleteDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken);

    /// <summary>Lists the savepoints of a deployment.</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="deploymentId">The deployment id.</param>
    /// <param name="token">The API token, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The savepoints.</returns>
    Task<IReadOnlyList<JsonObject>> ListSavepointsAsync(string ns, string deploymentId, ApiToken? token, CancellationToken cancellationToken);

    /// <summary>Creates a savepoint resource, e.g. to register an existing savepoint location.</summary>
    /// <param name="ns">The platform namespace.</param>
    /// <param name="savepoint">The savepoint.</param>
    /// <param name="token">The API token, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The savepoint as the platform stored it.</returns>
    Task<JsonObject> CreateSavepointAsync(string ns, JsonObject savepoint, ApiToken? token, CancellationToken cancellationToken);
}
