using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Planning;

// §10 and §7: the last-applied record of a CR without a generation, and the guard of what a PUT-mode adoption synced back.
public sealed partial class DeploymentPlanner
{
    /// <summary>
    /// The bookkeeping a deployment this CR owns needs after a write or a verified sync: the last-applied record of a
    /// CR without <c>metadata.generation</c> (§10). A write already carries the record, its live hash predicted from
    /// what it sends; this is needed only when the platform's answer differs from that prediction (it normalised or
    /// defaulted a value), or when an in-sync deployment has no record of this CR yet. It changes only marker
    /// annotations, never the user part. The guard of a PUT-mode adoption never costs a write of its own: it ends with
    /// the next PUT, which leaves it out.
    /// </summary>
    /// <param name="resource">The CR.</param>
    /// <param name="deployment">The deployment as the platform last returned it (the answer to the write, or the live one).</param>
    /// <returns>The merge patch to send, or <see langword="null"/> when there is nothing to record.</returns>
    public JsonObject? PlanRecord(VvpDeploymentResource resource, JsonObject deployment)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(deployment);
        if (resource.Generation is not null ||
            resource.Target is null ||
            !_options.IsOwnedBy(deployment, resource) ||
            !_options.IsSyncing(deployment))
        {
            return null;
        }

        var record = new Context(resource, deployment, _options).AppliedRecord();
        return JsonRead.String(deployment, "metadata", "annotations", _options.AppliedAnnotation) == record
            ? null
            : new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [_options.AppliedAnnotation] = record } } };
    }

    /// <summary>
    /// The CR as the host leaves it: with <paramref name="specUpdate"/> written back when the host writes spec updates
    /// (<see cref="PlannerOptions.SpecWriteBack"/>); as it is otherwise.
    /// </summary>
    internal VvpDeploymentResource AfterWriteBack(VvpDeploymentResource resource, JsonObject? specUpdate) =>
        AfterWriteBack(resource, specUpdate, _options);

    private static VvpDeploymentResource AfterWriteBack(VvpDeploymentResource resource, JsonObject? specUpdate, PlannerOptions options)
    {
        if (specUpdate is null || options.SpecWriteBack != SpecWriteBack.Write)
        {
            return resource;
        }

        var document = (JsonObject)resource.Root.DeepClone();
        document["spec"] = specUpdate.DeepClone();
        return VvpDeploymentResource.FromDocument(document);
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

        // The record a write carries: the CR as it will read once its spec update is written back (a PUT-mode adoption's
        // sync-back, a scrub), and the user part the write leaves on the platform (the body of a create or a PUT, the
        // live deployment merged with a PATCH's body).
        private void AddAppliedRecord(PlanAction action, JsonObject request, JsonObject? specUpdate)
        {
            var recorded = AfterWriteBack(_resource, specUpdate, _options);
            var crHash = ReferenceEquals(recorded, _resource) ? CrHash() : new Context(recorded, _live, _options).CrHash();
            if (JsonRead.String(_live, "metadata", "annotations", _options.AppliedAnnotation) is { } record &&
                record.StartsWith($"cr={crHash} ", StringComparison.Ordinal))
            {
                // This CR's record stands: the write restores the deployment it describes (an edit made elsewhere is
                // corrected), and the answer is checked against it afterwards, as after any write.
                return;
            }

            var left = action == PlanAction.Patch
                ? (JsonObject)JsonMergePatch.Apply(_live?.DeepClone(), request, _options.MaxDepth + 3)!
                : request;
            var metadata = request["metadata"] as JsonObject ?? new JsonObject();
            request["metadata"] = metadata;
            var annotations = metadata["annotations"] as JsonObject ?? new JsonObject();
            metadata["annotations"] = annotations;
            annotations[_options.AppliedAnnotation] = $"cr={crHash} live={UserParts.HashOfDeployment(left, _options)}";
        }


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

            // A field the CR states, or sets to null (a removal it asks for knowingly), is not missing.
            foreach (var path in (paths ?? []).Select(p => JsonRead.String(p)).OfType<string>())
            {
                if (JsonPointerText.TryParse(path, out var tokens) && !Mentions(CrUser, tokens) && JsonRead.At(_live, tokens) is not null)
                {
                    missing.Add(path);
                }
            }

            return missing;
        }

        private static bool Mentions(JsonNode? node, IReadOnlyList<string> tokens)
        {
            foreach (var token in tokens)
            {
                if (node is not JsonObject obj || !obj.TryGetPropertyValue(token, out node))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
