using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Testing;

/// <summary>What the platform checks, fills in and rewrites in a deployment spec it is given.</summary>
internal static partial class DeploymentDefaults
{
    public static void Validate(JsonObject spec)
    {
        if (JsonRead.Text(spec, "state") is { } state && state is not ("RUNNING" or "SUSPENDED" or "CANCELLED"))
        {
            throw InMemoryPlatform.ErrorFor(400, $"spec.state '{state}' is not one of RUNNING, SUSPENDED, CANCELLED.");
        }

        if (JsonRead.Text(spec, "deploymentTargetName") is null && JsonRead.Text(spec, "deploymentTargetId") is null && JsonRead.Text(spec, "sessionClusterName") is null)
        {
            throw InMemoryPlatform.ErrorFor(400, "A deployment needs a deployment target or a session cluster.");
        }
    }

    public static void Apply(JsonObject spec)
    {
        spec["state"] ??= "RUNNING";
        spec["upgradeStrategy"] ??= new JsonObject { ["kind"] = "STATEFUL" };
        spec["restoreStrategy"] ??= new JsonObject { ["kind"] = "LATEST_STATE", ["allowNonRestoredState"] = false };
        var template = spec["template"] as JsonObject ?? [];
        spec["template"] = template;
        var templateSpec = template["spec"] as JsonObject ?? [];
        template["spec"] = templateSpec;
        templateSpec["parallelism"] ??= 1;
        templateSpec["resources"] ??= new JsonObject
        {
            ["jobmanager"] = new JsonObject { ["cpu"] = 1, ["memory"] = "1g" },
            ["taskmanager"] = new JsonObject { ["cpu"] = 1, ["memory"] = "2g" },
        };
    }

    public static void Normalize(JsonObject spec)
    {
        if (spec["template"]?["spec"]?["resources"] is not JsonObject resources)
        {
            return;
        }

        foreach (var (_, resource) in resources)
        {
            if (resource is JsonObject r && JsonRead.Text(r, "memory") is { } memory && MemoryPattern().Match(memory) is { Success: true } match)
            {
                var amount = decimal.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var unit = char.ToLowerInvariant(match.Groups[2].Value[0]);
                r["memory"] = (unit == 'g' ? amount * 1024 : amount).ToString("0.##", CultureInfo.InvariantCulture) + "m";
            }
        }
    }

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)([gGmM])$")]
    private static partial Regex MemoryPattern();
}
