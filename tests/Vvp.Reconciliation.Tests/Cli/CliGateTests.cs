using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Cli;

/// <summary>
/// <c>vvp-reconcile</c> as a pipeline's gate: <c>diff</c> and <c>apply</c> agree on "in sync" for the documentation's
/// CRs, a change costs one platform write, and a wrong answer or a failed registration fails the run cleanly. Against
/// the emulator over a real socket.
/// </summary>
public sealed class CliGateTests() : CliEmulatorTest("gate-token-5a9c3e71", new InMemoryPlatformOptions { ApplyDefaults = false })
{
    private static readonly string Samples = Path.Combine(SharedFolder.RepositoryRoot(), "samples", "QuickStart", "crs");

    [Fact]
    public async Task Diff_exits_0_after_one_apply_of_a_CR_with_an_initial_savepoint_with_platform_and_with_state()
    {
        var crs = CopySamples();
        var tokenFile = TokenFile();
        var url = Url;

        (await Run("apply", "--cr", crs, "--platform", url, "--token-file", tokenFile)).Code.Should().Be(0);
        Emulator.Platform.SavepointsOf("default").Should().ContainSingle("the savepoint is registered once");
        for (var i = 0; i < 3; i++)
        {
            var diff = await Run("diff", "--cr", crs, "--platform", url, "--token-file", tokenFile);
            diff.Code.Should().Be(0, diff.Stdout);
            diff.Stdout.Should().NotContain("savepoint: register");
        }

        var state = Path.Combine(Folder, "platform.json");
        (await Run("apply", "--cr", crs, "--state", state)).Code.Should().Be(0);
        var fromState = await Run("diff", "--cr", crs, "--state", state);
        fromState.Code.Should().Be(0, fromState.Stdout);
    }

    [Fact]
    public async Task Apply_prints_a_savepoint_registration_only_for_the_CR_that_asks_for_one_and_only_when_it_is_sent()
    {
        var crs = CopySamples();
        var tokenFile = TokenFile();
        var url = Url;

        var first = await Run("apply", "--cr", crs, "--platform", url, "--token-file", tokenFile);
        var again = await Run("apply", "--cr", crs, "--platform", url, "--token-file", tokenFile);

        first.Stdout.Split("== ").Single(s => s.Contains("initial-savepoint-cr.yaml", StringComparison.Ordinal)).Should().Contain("savepoint: register");
        first.Stdout.Split("== ").Single(s => s.Contains("/test-cr.yaml", StringComparison.Ordinal)).Should().NotContain("savepoint: register", "test-cr.yaml has no initialSavepointSpec");
        again.Code.Should().Be(0);
        again.Stdout.Should().NotContain("savepoint: register").And.Contain("0 write(s)");
    }

    [Fact]
    public async Task Apply_with_a_token_file_uses_it_for_a_CR_that_names_a_token_Secret()
    {
        var cr = File("secret-cr.yaml", TestCrs.SeedTestCrYaml.Replace("metadata:\n  name: test-cr\n", "metadata:\n  name: test-cr\n  annotations:\n    apikeySecretName: vvp-token\n", StringComparison.Ordinal));
        File(cr).Should().Contain("apikeySecretName");
        var tokenFile = TokenFile();
        var url = Url;

        var apply = await Run("apply", "--cr", cr, "--platform", url, "--token-file", tokenFile);
        var diff = await Run("diff", "--cr", cr, "--platform", url, "--token-file", tokenFile);

        apply.Code.Should().Be(0, apply.Stdout);
        apply.Stdout.Should().NotContain("Unauthenticated");
        Emulator.Received.Should().OnlyContain(r => r.Authorization == "Bearer " + Token);
        diff.Code.Should().Be(0, diff.Stdout);
    }

    [Theory]
    [InlineData("PATCH")]
    [InlineData("PUT")]
    public async Task A_change_costs_one_write_against_a_platform_that_keeps_what_it_is_sent(string mode)
    {
        var yaml = mode == "PUT" ? PutYaml() : TestCrs.SeedTestCrYaml;
        var cr = File("cr.yaml", yaml);
        var tokenFile = TokenFile();
        var url = Url;

        var writes = new List<int>();
        for (var i = 0; i < 4; i++)
        {
            writes.Add(await WritesOfApply(cr, url, tokenFile));
        }

        File("cr.yaml", yaml.Replace("maxJobCreationAttempts: 99", "maxJobCreationAttempts: 7", StringComparison.Ordinal));
        for (var i = 0; i < 4; i++)
        {
            writes.Add(await WritesOfApply(cr, url, tokenFile));
        }

        Emulator.Platform.Edit("default", "test-cr", d => d["spec"]!["maxJobCreationAttempts"] = 3);
        for (var i = 0; i < 3; i++)
        {
            writes.Add(await WritesOfApply(cr, url, tokenFile));
        }

        writes.Should().Equal([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0], "the create, the change and the correction each cost one write; the record travels with it");
        Emulator.Platform.Snapshot("default", "test-cr")!["spec"]!["maxJobCreationAttempts"]!.GetValue<int>().Should().Be(7);
    }

    [Fact]
    public async Task Adopting_an_existing_deployment_in_PUT_mode_costs_one_write_and_the_written_back_file_is_then_in_sync()
    {
        Emulator.Platform.Seed("default", (JsonObject)JsonNode.Parse("""
            {"metadata":{"name":"test-cr","displayName":"made in the UI"},
             "spec":{"state":"CANCELLED","deploymentTargetName":"test-target","jobFailureExpirationTime":"2h"}}
            """)!);
        var cr = File("cr.yaml", PutYaml());
        var tokenFile = TokenFile();
        var url = Url;

        var adopt = await WritesOfApply(cr, url, tokenFile);
        var diff = await Run("diff", "--cr", cr, "--platform", url, "--token-file", tokenFile);
        var again = await WritesOfApply(cr, url, tokenFile);

        adopt.Should().Be(1);
        File(cr).Should().Contain("jobFailureExpirationTime", "the sync-back went into the file");
        diff.Code.Should().Be(0, diff.Stdout);
        again.Should().Be(0);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"2.7.1\"")]
    [InlineData("42")]
    [InlineData("{\"status\":[]}")]
    [InlineData("{\"status\":{\"revisionInformation\":\"x\"}}")]
    public async Task A_version_answer_of_the_wrong_shape_fails_the_file_cleanly_naming_the_answer(string body)
    {
        Emulator.Intercept = async context =>
        {
            if (context.Request.Path.Value!.EndsWith("/status/system-info", StringComparison.Ordinal))
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(body);
                return true;
            }

            return false;
        };
        var cr = File("cr.yaml", TestCrs.SeedTestCrYaml);

        foreach (var verb in new[] { "apply", "diff" })
        {
            var result = await Run(verb, "--cr", cr, "--platform", Url, "--token-file", TokenFile());

            var shapeIsWrong = !body.StartsWith('{');
            if (shapeIsWrong)
            {
                result.Code.Should().Be(1, result.Stdout + result.Stderr);
                result.Stdout.Should().Contain("system-info").And.Contain("not an object");
            }
            else
            {
                result.Code.Should().BeOneOf([0, 3], "an object without a version says nothing, and nothing is refused on a guess");
            }

            result.Stderr.Should().NotContain("Unhandled").And.NotContain("   at ");
        }
    }

    [Theory]
    [InlineData("upper")]
    [InlineData("base64")]
    [InlineData("url")]
    [InlineData("fragment")]
    public async Task A_token_echoed_by_the_platform_in_any_trivial_form_is_never_printed(string form)
    {
        var token = "Gate+Token/With=Symbols-8431";
        var echoed = form switch
        {
            "upper" => token.ToUpperInvariant(),
            "base64" => Convert.ToBase64String(Encoding.UTF8.GetBytes(token)),
            "url" => Uri.EscapeDataString(token),
            _ => token[..12],
        };
        Emulator.Intercept = async context =>
        {
            context.Response.StatusCode = 401;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new JsonObject { ["message"] = $"token {echoed} is not known" }.ToJsonString());
            return true;
        };
        var cr = File("cr.yaml", TestCrs.SeedTestCrYaml);
        var tokenFile = File("token", token);

        var outputs = new List<string>();
        foreach (var verb in new[] { "apply", "diff" })
        {
            var result = await Run(verb, "--cr", cr, "--platform", Url, "--token-file", tokenFile, "--output", verb == "apply" ? "json" : "text");
            result.Code.Should().Be(1);
            outputs.Add(result.Stdout + result.Stderr);
        }

        outputs.Should().OnlyContain(o => o.Contains("is not known", StringComparison.Ordinal), "the platform's message is shown, the token masked in it");
        foreach (var output in outputs)
        {
            TokenLeaks.Fragments(output, token).Should().BeEmpty(output);
        }
    }

    [Theory]
    [InlineData(500, "{\"message\":\"down\"}")]
    [InlineData(200, "[\"not a savepoint\"]")]
    public async Task A_failed_savepoint_registration_fails_the_run_and_the_next_apply_registers_it(int status, string body)
    {
        var crs = CopySamples();
        System.IO.File.Delete(Path.Combine(crs, "test-cr.yaml"));
        var tokenFile = TokenFile();
        var url = Url;
        Emulator.Intercept = async context =>
        {
            if (context.Request.Path.Value!.Contains("/savepoints", StringComparison.Ordinal))
            {
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(body);
                return true;
            }

            return false;
        };

        var failed = await Run("apply", "--cr", crs, "--platform", url, "--token-file", tokenFile);
        var diffWhileOwed = await Run("diff", "--cr", crs, "--platform", url, "--token-file", tokenFile);
        Emulator.Intercept = null;
        var diffOwed = await Run("diff", "--cr", crs, "--platform", url, "--token-file", tokenFile);
        var next = await Run("apply", "--cr", crs, "--platform", url, "--token-file", tokenFile);
        var after = await Run("diff", "--cr", crs, "--platform", url, "--token-file", tokenFile);

        failed.Code.Should().Be(1, failed.Stdout);
        failed.Stdout.Should().Contain("SavepointPending");
        Emulator.Platform.Snapshot("default", "test-cr").Should().NotBeNull("the deployment was created");
        diffWhileOwed.Code.Should().Be(1, "the savepoint list cannot be read: " + diffWhileOwed.Stdout);
        diffOwed.Code.Should().Be(3, "the registration is still owed: " + diffOwed.Stdout);
        diffOwed.Stdout.Should().Contain("savepoint: register");
        next.Code.Should().Be(0, next.Stdout);
        next.Stdout.Should().Contain("SavepointRegistered");
        Emulator.Platform.SavepointsOf("default").Should().ContainSingle();
        after.Code.Should().Be(0, after.Stdout);
    }

    private async Task<int> WritesOfApply(string cr, string url, string tokenFile)
    {
        var before = Emulator.Platform.WriteCount;
        var result = await Run("apply", "--cr", cr, "--platform", url, "--token-file", tokenFile);
        result.Code.Should().Be(0, result.Stdout);
        return Emulator.Platform.WriteCount - before;
    }

    private string CopySamples()
    {
        var folder = Path.Combine(Folder, "crs-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.GetFiles(Samples))
        {
            System.IO.File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        return folder;
    }

    // The documentation's CR in PUT mode, which takes no initFields.
    private static string PutYaml() =>
        TestCrs.SeedTestCrYaml[..TestCrs.SeedTestCrYaml.IndexOf("  initFields:", StringComparison.Ordinal)].Replace("syncingMode: PATCH", "syncingMode: PUT", StringComparison.Ordinal);



    private static string File(string path) => System.IO.File.ReadAllText(path);

}
