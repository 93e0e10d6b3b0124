using System.Text.Json.Nodes;
using CsCheck;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>CsCheck generators of valid CRs and of live deployments that differ from them in every way the platform allows.</summary>
internal static class CrGen
{
    private static readonly JsonNode Absent = JsonValue.Create("<absent>");

    /// <summary>A value generator that may also produce "absent" and (when allowed) an explicit null.</summary>
    private static Gen<JsonNode?> Field(bool allowNull, params JsonNode?[] values)
    {
        var choices = new List<JsonNode?> { Absent };
        if (allowNull)
        {
            choices.Add(null);
        }

        choices.AddRange(values);
        return Gen.Int[0, choices.Count - 1].Select(i => choices[i]?.DeepClone());
    }

    private static void Set(JsonObject obj, string key, JsonNode? value)
    {
        if (value is JsonValue v && v.TryGetValue<string>(out var s) && s == "<absent>")
        {
            return;
        }

        obj[key] = value;
    }

    private static JsonObject Map(params (string Key, string? Value)[] entries) =>
        new(entries.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)(e.Value is null ? null : JsonValue.Create(e.Value)))));

    /// <summary>A valid CR in PATCH or PUT mode, with nulls, unknown fields, scrubbed keys and initFields among its variations.</summary>
    public static Gen<VvpDeploymentResource> Resource(bool? put = null) =>
        from isPut in put is { } fixedMode ? Gen.Const(fixedMode) : Gen.Bool
        from state in Field(true, "RUNNING", "CANCELLED", "SUSPENDED")
        from parallelism in Field(true, 1, 2, 4)
        from attempts in Field(true, 1, 3)
        from flink in Field(true, Map(("a", "1")), Map(("a", "2"), ("b", "x")), Map(("a", null), ("c", "3")))
        from labels in Field(true, Map(), Map(("team", "data")), Map(("team", null), ("tier", "1")))
        from displayName in Field(true, "first", "second")
        from annotations in Field(true, Map(("note", "n")), Map(("com.dataartisans.appmanager.controller.deployment.transitioning", "true"), ("keep", "k")))
        from bogus in Field(false, 1)
        from future in Field(true, new JsonObject { ["x"] = 1 }, new JsonArray(1, 2))
        from dependencies in Field(true, new JsonArray("a.jar"), new JsonArray("a.jar", "b.jar"))
        from initFields in Gen.Bool
        select Build(isPut, state, parallelism, attempts, flink, labels, displayName, annotations, bogus, future, dependencies, initFields && !isPut);

    private static VvpDeploymentResource Build(bool put, JsonNode? state, JsonNode? parallelism, JsonNode? attempts, JsonNode? flink, JsonNode? labels,
        JsonNode? displayName, JsonNode? annotations, JsonNode? bogus, JsonNode? future, JsonNode? dependencies, bool initFields)
    {
        var userMetadata = new JsonObject { ["name"] = "test-cr", ["namespace"] = "default" };
        Set(userMetadata, "labels", labels);
        Set(userMetadata, "displayName", displayName);
        Set(userMetadata, "annotations", annotations);
        Set(userMetadata, "bogus", bogus);
        var artifact = new JsonObject { ["kind"] = "JAR", ["jarUri"] = "file:///job.jar" };
        Set(artifact, "additionalDependencies", dependencies);
        var templateSpec = new JsonObject { ["artifact"] = artifact };
        Set(templateSpec, "parallelism", parallelism);
        Set(templateSpec, "flinkConfiguration", flink);
        var spec = new JsonObject { ["deploymentTargetName"] = "test-target", ["template"] = new JsonObject { ["spec"] = templateSpec } };
        Set(spec, "state", state);
        Set(spec, "maxJobCreationAttempts", attempts);
        Set(spec, "futureField", future);
        var crSpec = new JsonObject
        {
            ["syncingMode"] = put ? "PUT" : "PATCH",
            ["deployment"] = new JsonObject { ["userMetadata"] = userMetadata, ["spec"] = spec },
        };
        if (initFields)
        {
            crSpec["initFields"] = JsonNode.Parse("""{"userMetadata":{"displayName":"init","labels":{"origin":"init"}},"spec":{"maxSavepointCreationAttempts":5}}""");
        }

        return VvpDeploymentResource.FromDocument(new JsonObject
        {
            ["apiVersion"] = "ververica.platform/v1",
            ["kind"] = "VvpDeployment",
            ["metadata"] = new JsonObject { ["name"] = "cr", ["namespace"] = "jobs" },
            ["spec"] = crSpec,
        });
    }

    /// <summary>
    /// A live deployment for the same target: absent, or what the platform holds after creating another CR
    /// variant, then edited out of band (fields the CR may not mention, a changed display name, the marker dropped).
    /// </summary>
    public static Gen<JsonObject?> Live(PlannerOptions options) =>
        from exists in Gen.Int[0, 4]
        from other in Resource()
        from marker in Gen.Int[0, 3]
        from extraLabel in Gen.Bool
        from expiration in Gen.Bool
        from upgrade in Gen.Bool
        select exists == 0 ? null : Derive(other, marker > 0, extraLabel, expiration, upgrade, options);

    private static JsonObject Derive(VvpDeploymentResource other, bool marker, bool extraLabel, bool expiration, bool upgrade, PlannerOptions options)
    {
        var live = TestCrs.ApplyWrite(new DeploymentPlanner(options).Plan(other, null), null);
        var metadata = (JsonObject)live["metadata"]!;
        var annotations = (JsonObject)metadata["annotations"]!;
        annotations["com.dataartisans.appmanager.controller.deployment.spec.version"] = "3";
        if (!marker)
        {
            annotations.Remove(options.OwnerAnnotation);
        }

        if (extraLabel)
        {
            metadata["labels"] = new JsonObject { ["extra"] = "e" };
        }

        var spec = (JsonObject)live["spec"]!;
        if (expiration)
        {
            spec["jobFailureExpirationTime"] = "1h";
        }

        if (upgrade)
        {
            spec["upgradeStrategy"] = new JsonObject { ["kind"] = "STATEFUL" };
        }

        return live;
    }
}
