using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Http;

/// <summary>The adapter against ../shared/reference/vvp-appmanager-api.md: paths, verbs and field names.</summary>
public sealed partial class ContractTests
{
    [SkippableFact]
    public void Every_path_and_verb_the_adapter_uses_is_in_the_reference()
    {
        var reference = File.ReadAllText(SharedFolder.Require("reference", "vvp-appmanager-api.md"));

        foreach (var (method, path) in VvpPlatformHttpClient.Endpoints)
        {
            reference.Should().MatchRegex($"`{method} {Regex.Escape(path)}(`|\\?)", $"{method} {path} must be documented");
        }
    }

    [SkippableFact]
    public async Task Deployments_and_savepoints_round_trip_every_field_name_of_the_reference()
    {
        var reference = File.ReadAllText(SharedFolder.Require("reference", "vvp-appmanager-api.md"));
        var metadataNames = Names(reference, "DeploymentMetadata");
        var specNames = Names(reference, "DeploymentSpec");
        metadataNames.Should().Contain(["id", "name", "displayName", "resourceVersion"]);
        specNames.Should().Contain(["state", "restoreStrategy", "template"]);

        await using var emulator = await PlatformEmulator.StartAsync();
        var (client, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = emulator.BaseAddress });
        using var _ = http;
        var deployment = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "contract", ["displayName"] = "Contract", ["labels"] = new JsonObject { ["a"] = "b" }, ["annotations"] = new JsonObject { ["x"] = "y" } },
            ["spec"] = new JsonObject([.. specNames.Select(n => KeyValuePair.Create(n, (JsonNode?)SampleValue(n)))]),
        };

        await client.CreateDeploymentAsync("ns", deployment, null, default);
        var read = (await client.GetDeploymentAsync("ns", "contract", null, default))!;

        read["metadata"]!.AsObject().Select(p => p.Key).Should().Contain(metadataNames);
        read["spec"]!.AsObject().Select(p => p.Key).Should().Contain(specNames);

        var savepointMetadata = Names(reference, "Savepoint", "metadata");
        var id = read["metadata"]!["id"]!.GetValue<string>();
        await client.CreateSavepointAsync("ns", new JsonObject
        {
            ["metadata"] = new JsonObject([.. savepointMetadata.Select(n => KeyValuePair.Create(n, (JsonNode?)(n == "deploymentId" ? id : n == "annotations" ? new JsonObject() : "v")))]),
            ["spec"] = new JsonObject { ["savepointLocation"] = "s3://x", ["flinkSavepointId"] = "00000000-0000-0000-0000-000000000000" },
            ["status"] = new JsonObject { ["state"] = "COMPLETED" },
        }, null, default);
        var savepoint = (await client.ListSavepointsAsync("ns", id, null, default)).Single();

        savepoint["metadata"]!.AsObject().Select(p => p.Key).Should().Contain(savepointMetadata);
        savepoint["spec"]!.AsObject().Select(p => p.Key).Should().Contain(["savepointLocation", "flinkSavepointId"]);
        savepoint["status"]!["state"]!.GetValue<string>().Should().Be("COMPLETED");
    }

    // The names listed in the reference's shape block, e.g. "DeploymentMetadata { id (uuid), name, … }".
    private static List<string> Names(string reference, string type, string? member = null)
    {
        var start = reference.IndexOf(type + " {", StringComparison.Ordinal);
        start.Should().BeGreaterThanOrEqualTo(0, $"the reference describes {type}");
        var body = reference[(start + type.Length + 2)..];
        if (member is not null)
        {
            body = body[(body.IndexOf(member + " {", StringComparison.Ordinal) + member.Length + 2)..];
        }

        var depth = 0;
        var top = new System.Text.StringBuilder();
        foreach (var c in body)
        {
            if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                if (depth == 0)
                {
                    break;
                }

                depth--;
            }
            else if (depth == 0)
            {
                top.Append(c);
            }
        }

        return [.. NameToken().Matches(top.ToString()).Select(m => m.Groups[1].Value).Where(n => n is not ("uuid" or "int32" or "string" or "date" or "time")).Distinct()];
    }

    private static JsonNode SampleValue(string name) => name switch
    {
        "state" => "CANCELLED",
        "deploymentTargetName" => "t",
        "maxJobCreationAttempts" or "maxSavepointCreationAttempts" => 3,
        _ when name.EndsWith("Strategy", StringComparison.Ordinal) => new JsonObject { ["kind"] = "NONE" },
        "template" => new JsonObject { ["spec"] = new JsonObject { ["parallelism"] = 2 } },
        _ => "v",
    };

    [GeneratedRegex(@"(?:^|[\s,{])([a-zA-Z][a-zA-Z0-9]*)(?=\s*(?:\(|,|$|\s*:|\s*\{|\s*\[))", RegexOptions.Multiline)]
    private static partial Regex NameToken();
}
