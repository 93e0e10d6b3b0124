using System.Text.Json.Nodes;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Cli;

/// <summary>
/// <c>vvp-reconcile export</c> turns an existing platform into CR files that <c>diff</c> reports in sync and
/// <c>apply</c> leaves alone: the way a team moves a platform to GitOps. Against the emulator over a real socket.
/// </summary>
public sealed class CliExportTests() : CliEmulatorTest("export-token-0b6e2d94", new InMemoryPlatformOptions { ApplyDefaults = true, NormalizeValues = true })
{

    // A fleet made in the UI: labels, user and system annotations, display names, configuration, states, arrays.
    private void SeedFleet(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var metadata = new JsonObject { ["name"] = $"job-{i:000}" };
            if (i % 2 == 0)
            {
                metadata["displayName"] = $"Job {i}";
            }

            if (i % 3 == 0)
            {
                metadata["labels"] = new JsonObject { ["team"] = $"t{i % 5}", ["tier"] = "gold" };
            }

            if (i % 4 == 0)
            {
                metadata["annotations"] = new JsonObject { ["owner"] = "data@example.com", ["com.dataartisans.appmanager.controller.deployment.spec.version"] = "7" };
            }

            var spec = new JsonObject
            {
                ["state"] = i % 5 == 0 ? "RUNNING" : "CANCELLED",
                ["deploymentTargetName"] = "target-" + (i % 3),
                ["maxJobCreationAttempts"] = i,
                ["template"] = new JsonObject
                {
                    ["spec"] = new JsonObject
                    {
                        ["artifact"] = new JsonObject { ["kind"] = "JAR", ["jarUri"] = $"s3://jars/job-{i}.jar", ["additionalDependencies"] = new JsonArray("s3://jars/a.jar", "s3://jars/b.jar") },
                        ["parallelism"] = 1 + (i % 8),
                        ["flinkConfiguration"] = new JsonObject { ["execution.checkpointing.interval"] = "10s", ["key." + i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                        ["resources"] = new JsonObject { ["jobmanager"] = new JsonObject { ["cpu"] = 1, ["memory"] = "1g" } },
                    },
                },
            };
            Emulator.Platform.Seed("default", new JsonObject { ["metadata"] = metadata, ["spec"] = spec });
        }
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("PATCH")]
    public async Task Exported_CRs_of_a_fleet_of_100_are_in_sync_for_diff_and_apply_writes_nothing(string mode)
    {
        SeedFleet(100);
        var before = Emulator.Platform.Snapshot("default", "job-004")!.DeepClone();
        var outDir = Path.Combine(Folder, "crs");
        var url = Url;
        var tokenFile = File("token", Token);

        var export = await Run("export", "--platform", url, "--token-file", tokenFile, "--mode", mode, "--out", outDir);
        var writes = Emulator.Platform.WriteCount;
        var diff = await Run("diff", "--cr", outDir, "--platform", url, "--token-file", tokenFile);
        var apply = await Run("apply", "--cr", outDir, "--platform", url, "--token-file", tokenFile);
        var validate = await Run(["validate", .. Directory.GetFiles(outDir)]);

        export.Code.Should().Be(0, export.Stdout + export.Stderr);
        Directory.GetFiles(outDir, "*.yaml").Should().HaveCount(100);
        validate.Code.Should().Be(0, validate.Stdout);
        diff.Code.Should().Be(0, diff.Stdout);
        apply.Code.Should().Be(0, apply.Stdout);
        (Emulator.Platform.WriteCount - writes).Should().Be(0, "the exported CRs state the deployments exactly");
        JsonEquality.Equals(Emulator.Platform.Snapshot("default", "job-004"), before).Should().BeTrue();

        // The CR of one deployment, as a team would read it: no id, no version, no system annotation, no marker.
        var cr = (JsonObject)ResourceReader.Read(System.IO.File.ReadAllText(Path.Combine(outDir, "job-004.yaml"))).Document!;
        cr["spec"]!["syncingMode"]!.GetValue<string>().Should().Be(mode);
        var userMetadata = cr["spec"]!["deployment"]!["userMetadata"]!.AsObject();
        userMetadata.Select(p => p.Key).Should().BeEquivalentTo(["name", "namespace", "displayName", "annotations"]);
        userMetadata["annotations"]!.AsObject().Select(p => p.Key).Should().Equal("owner");
        cr.ToJsonString().Should().NotContain("reconciliation.vvp/").And.NotContain("resourceVersion");

        // The first change adopts: one write, the marker stamped with it.
        var path = Path.Combine(outDir, "job-004.yaml");
        System.IO.File.WriteAllText(path, System.IO.File.ReadAllText(path).Replace("parallelism: 5", "parallelism: 6", StringComparison.Ordinal));
        var change = await Run("apply", "--cr", path, "--platform", url, "--token-file", tokenFile);
        change.Code.Should().Be(0, change.Stdout);
        var live = Emulator.Platform.Snapshot("default", "job-004")!;
        live["spec"]!["template"]!["spec"]!["parallelism"]!.GetValue<int>().Should().Be(6);
        live["metadata"]!["annotations"]!["reconciliation.vvp/owner"]!.GetValue<string>().Should().Be("vvp-1/default/job-004");
    }

    [Fact]
    public async Task Export_of_one_deployment_by_name_to_standard_output_is_a_CR_stream_and_a_missing_name_exits_1()
    {
        SeedFleet(3);
        var url = Url;
        var tokenFile = File("token", Token);

        var one = await Run("export", "--platform", url, "--token-file", tokenFile, "--name", "job-001", "--mode", "PATCH");
        var all = await Run("export", "--platform", url, "--token-file", tokenFile);
        var missing = await Run("export", "--platform", url, "--token-file", tokenFile, "--name", "nope");
        var badMode = await Run("export", "--platform", url, "--mode", "MERGE");

        one.Code.Should().Be(0, one.Stderr);
        var documents = ResourceReader.ReadAll(one.Stdout);
        documents.Should().ContainSingle().Which.Document!["metadata"]!["name"]!.GetValue<string>().Should().Be("job-001");
        ResourceReader.ReadAll(all.Stdout).Should().HaveCount(3);
        missing.Code.Should().Be(1);
        missing.Stderr.Should().Contain("no deployment default/nope");
        badMode.Code.Should().Be(2);
    }

}
