using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

// §10 and §7: the last-applied record of a CR without a generation, and the guard of what a PUT-mode adoption synced back.
public sealed partial class DeploymentPlanner
{
    /// <summary>
    /// The bookkeeping a deployment this CR owns needs after a write or a verified sync: the last-applied record
    /// of a CR without <c>metadata.generation</c>, and the end of a PUT-mode adoption's guard once the CR states
    /// every field adoption synced back. It changes only marker annotations, never the user part.
    /// </summary>
    /// <param name="resource">The CR.</param>
    /// <param name="deployment">The deployment as the platform last returned it (the answer to the write, or the live one).</param>
    /// <returns>The merge patch to send, or <see langword="null"/> when there is nothing to record.</returns>
    public JsonObject? PlanRecord(VvpDeploymentResource resource, JsonObject deployment)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(deployment);
        if (resource.Target is null ||
            !_options.IsOwnedBy(deployment, resource) ||
            !_options.IsSyncing(deployment))
        {
            return null;
        }

        var adoptedGuard = resource.SyncingMode == SyncingMode.Put &&
                           JsonRead.At(deployment, "metadata", "annotations", _options.AdoptedFieldsAnnotation) is not null;
        if (resource.Generation is not null && !adoptedGuard)
        {
            return null;
        }

        var context = new Context(resource, deployment, _options);
        var annotations = new JsonObject();
        if (resource.Generation is null)
        {
            var record = context.AppliedRecord();
            if (JsonRead.String(deployment, "metadata", "annotations", _options.AppliedAnnotation) != record)
            {
                annotations[_options.AppliedAnnotation] = record;
            }
        }

        if (adoptedGuard && context.MissingAdoptedFields().Count == 0)
        {
            annotations[_options.AdoptedFieldsAnnotation] = null;
        }

        return annotations.Count == 0 ? null : new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } };
    }

    private sealed partial class Context
    {
        /// <summary>The hash of what this CR states (its syncing mode and user part, nulls kept): the CR side of the applied record.</summary>
        private string CrHash()
        {
            var maxDepth = _options.MaxDepth + 3;
            var mode = _resource.SyncingMode == SyncingMode.Put ? "PUT" : "PATCH";
            return JsonCanonical.Hash(
                writer =>
                {
                    writer.WriteStartObject();
                    writer.WriteString("mode", mode);
                    writer.WritePropertyName("user");
                    JsonCanonical.WriteCore(writer, CrUser, 2, maxDepth);
                    writer.WriteEndObject();
                },
                maxDepth);
        }

        /// <summary>The applied record for the deployment as given: <c>cr=&lt;hash&gt; live=&lt;hash&gt;</c>.</summary>
        public string AppliedRecord() => $"cr={CrHash()} live={UserParts.HashOfDeployment(_live!, _options)}";

        /// <summary>True when the deployment carries the applied record of exactly this CR and is unchanged since.</summary>
        public bool MatchesAppliedRecord() =>
            JsonRead.String(_live, "metadata", "annotations", _options.AppliedAnnotation) is { } recorded && recorded == AppliedRecord();

        /// <summary>The fields a PUT-mode adoption synced back that the CR does not state while the deployment has them.</summary>
        public List<string> MissingAdoptedFields()
        {
            var missing = new List<string>();
            if (JsonRead.String(_live, "metadata", "annotations", _options.AdoptedFieldsAnnotation) is not { } text)
            {
                return missing;
            }

            JsonArray? paths;
            try
            {
                paths = JsonNode.Parse(text) as JsonArray;
            }
            catch (System.Text.Json.JsonException)
            {
                return missing;
            }

            var stated = UserParts.WithoutNulls(CrUser);
            foreach (var path in (paths ?? []).Select(p => JsonRead.String(p)).OfType<string>())
            {
                if (JsonPointerText.TryParse(path, out var tokens) && JsonRead.At(stated, tokens) is null && JsonRead.At(_live, tokens) is not null)
                {
                    missing.Add(path);
                }
            }

            return missing;
        }
    }
}
