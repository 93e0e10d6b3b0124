using System.Text;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

// The way in for an existing platform: the CR that states a live deployment exactly.
public sealed partial class DeploymentPlanner
{
    /// <summary>
    /// The <c>VvpDeployment</c> CR that states <paramref name="deployment"/> exactly: its user part (name, namespace,
    /// display name, labels, the annotations that are not system or marker annotations) and its whole spec; no id, no
    /// resource version, no status, no owner marker. Planned against the same deployment it writes nothing, in either
    /// mode: the deployment is adopted with the first change the CR makes.
    /// </summary>
    /// <param name="deployment">A deployment as the platform returns it.</param>
    /// <param name="mode">The CR's syncing mode.</param>
    /// <returns>The CR document, named after the deployment (made a valid Kubernetes name where it is not one).</returns>
    /// <exception cref="ArgumentException">The deployment has no name.</exception>
    public JsonObject Export(JsonObject deployment, SyncingMode mode)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        var name = JsonRead.String(deployment, "metadata", "name") ?? throw new ArgumentException("The deployment has no metadata.name.", nameof(deployment));
        var user = UserParts.FromDeployment(deployment, _options);
        var userMetadata = (JsonObject)user["metadata"]!;
        foreach (var map in new[] { "labels", "annotations" })
        {
            if (userMetadata[map] is JsonObject { Count: 0 })
            {
                userMetadata.Remove(map);
            }
        }

        return new JsonObject
        {
            ["apiVersion"] = VvpDeploymentResource.ApiVersionValue,
            ["kind"] = VvpDeploymentResource.KindValue,
            ["metadata"] = new JsonObject { ["name"] = KubernetesName(name) },
            ["spec"] = new JsonObject
            {
                ["syncingMode"] = mode == SyncingMode.Put ? "PUT" : "PATCH",
                ["deployment"] = new JsonObject { ["userMetadata"] = userMetadata.DeepClone(), ["spec"] = user["spec"]!.DeepClone() },
            },
        };
    }

    // A DNS-1123 subdomain: lower case, [a-z0-9.-], alphanumeric at both ends, at most 253 characters.
    private static string KubernetesName(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name.ToLowerInvariant())
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '-');
        }

        var result = builder.ToString().Trim('-', '.');
        result = result.Length > 253 ? result[..253].TrimEnd('-', '.') : result;
        return result.Length == 0 ? "deployment" : result;
    }
}
