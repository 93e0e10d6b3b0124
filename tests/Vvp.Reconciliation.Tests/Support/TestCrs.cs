using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>Builds CRs and live deployments for tests, starting from the documentation's test-cr.</summary>
internal static class TestCrs
{
    public const string SeedTestCrYaml = Vvp.Reconciliation.Testing.ExampleResources.TestCrYaml;

    public static JsonObject SeedDocument() => (JsonObject)ResourceReader.Read(SeedTestCrYaml).Document!;

    /// <summary>The seed test-cr with merge-patch edits applied (a <c>null</c> removes).</summary>
    public static VvpDeploymentResource Cr(string? mergePatchJson = null) =>
        VvpDeploymentResource.FromDocument(mergePatchJson is null ? SeedDocument() : JsonMergePatch.Apply(SeedDocument(), JsonNode.Parse(mergePatchJson)));

    /// <summary>The seed test-cr (or a PUT-mode one) changed by code, e.g. to hold an explicit <c>null</c>.</summary>
    public static VvpDeploymentResource CrWith(Action<JsonObject> change, bool put = false)
    {
        var doc = (put ? PutCr() : Cr()).ToJsonNode();
        change(doc);
        return VvpDeploymentResource.FromDocument(doc);
    }

    /// <summary>A PUT-mode CR without initFields.</summary>
    public static VvpDeploymentResource PutCr(string? mergePatchJson = null)
    {
        var doc = JsonMergePatch.Apply(SeedDocument(), JsonNode.Parse("""{"spec":{"syncingMode":"PUT","initFields":null}}"""));
        return VvpDeploymentResource.FromDocument(mergePatchJson is null ? doc : JsonMergePatch.Apply(doc, JsonNode.Parse(mergePatchJson)));
    }

    /// <summary>A live deployment as the platform would hold it after creating the seed CR, with platform defaults.</summary>
    public static JsonObject Live(string? mergePatchJson = null, bool marker = true, string owner = "vvp-1/default/test-cr")
    {
        var live = (JsonObject)JsonNode.Parse("""
            {
              "apiVersion": "v1", "kind": "Deployment",
              "metadata": {
                "id": "11111111-2222-3333-4444-555555555555", "name": "test-cr", "namespace": "default",
                "displayName": "abc", "labels": {},
                "annotations": {
                  "com.dataartisans.appmanager.controller.deployment.spec.version": "1",
                  "com.dataartisans.appmanager.controller.deployment.transitioning": "false",
                  "com.dataartisans.appmanager.controller.deployment.transitioning.since": "1689327990185"
                },
                "createdAt": "2026-01-01T00:00:00Z", "modifiedAt": "2026-01-01T00:00:00Z", "resourceVersion": 1
              },
              "spec": {
                "state": "CANCELLED", "deploymentTargetName": "test-target", "maxJobCreationAttempts": 99,
                "maxSavepointCreationAttempts": 999,
                "upgradeStrategy": {"kind": "STATEFUL"}, "restoreStrategy": {"kind": "LATEST_STATE"},
                "template": {"spec": {"artifact": {"jarUri": "file:///flink/examples/streaming/TopSpeedWindowing.jar", "kind": "JAR"}, "parallelism": 1}}
              },
              "status": {"state": "CANCELLED"}
            }
            """)!;
        if (marker)
        {
            live["metadata"]!["annotations"]!["reconciliation.vvp/owner"] = owner;
        }

        return mergePatchJson is null ? live : (JsonObject)JsonMergePatch.Apply(live, JsonNode.Parse(mergePatchJson))!;
    }

    /// <summary>What the platform would hold after a plan's write: the request applied as POST, PATCH or PUT.</summary>
    public static JsonObject ApplyWrite(Plan plan, JsonObject? live)
    {
        var version = (JsonRead(live, "resourceVersion") ?? 0) + 1;
        JsonObject result = plan.Action switch
        {
            PlanAction.Create => (JsonObject)plan.Request!.DeepClone(),
            PlanAction.Patch => (JsonObject)JsonMergePatch.Apply(live, plan.Request)!,
            PlanAction.Replace => (JsonObject)plan.Request!.DeepClone(),
            _ => throw new InvalidOperationException($"{plan.Action} writes nothing"),
        };
        var metadata = (JsonObject)result["metadata"]!;
        metadata["id"] = live?["metadata"]?["id"]?.DeepClone() ?? "11111111-2222-3333-4444-555555555555";
        metadata["resourceVersion"] = version;
        result["status"] = live?["status"]?.DeepClone() ?? new JsonObject { ["state"] = "CANCELLED" };
        return result;
    }

    public static VvpDeploymentResource WithSpecUpdate(VvpDeploymentResource cr, Plan plan) =>
        plan.SpecUpdate is null ? cr : cr.WithSpec(plan.SpecUpdate);

    private static long? JsonRead(JsonObject? live, string key) =>
        live?["metadata"]?[key] is JsonValue v && v.TryGetValue<long>(out var n) ? n : live?["metadata"]?[key]?.GetValue<int>();

    /// <summary>
    /// A write's request without the last-applied record a CR without a generation carries (§10), and without the
    /// metadata the record alone brought: what the write sends for the CR itself.
    /// </summary>
    public static JsonObject WithoutRecord(JsonObject request, string annotation = "reconciliation.vvp/applied")
    {
        var copy = (JsonObject)request.DeepClone();
        if (copy["metadata"] is JsonObject metadata && metadata["annotations"] is JsonObject annotations && annotations.Remove(annotation))
        {
            if (annotations.Count == 0)
            {
                metadata.Remove("annotations");
            }

            if (metadata.Count == 0)
            {
                copy.Remove("metadata");
            }
        }

        return copy;
    }
}
