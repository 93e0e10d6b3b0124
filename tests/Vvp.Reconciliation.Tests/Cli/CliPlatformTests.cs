using System.Text.Json.Nodes;
using Vvp.Reconciliation.Cli;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Cli;

/// <summary><c>vvp-reconcile diff</c> and <c>apply</c> against the emulator over a real socket, and against the embedded platform.</summary>
public sealed class CliPlatformTests() : CliEmulatorTest("cli-token-91ab")
{
    [Fact]
    public async Task Apply_creates_with_the_token_file_then_a_second_run_sends_one_GET_and_diff_exits_0()
    {
        var cr = File("test-cr.yaml", TestCrs.SeedTestCrYaml);
        var tokenFile = File("token", Token + "\n");
        var url = Url;

        var first = await Run("apply", "--cr", cr, "--platform", url, "--token-file", tokenFile);
        first.Code.Should().Be(0, first.Stdout + first.Stderr);
        Emulator.Platform.Snapshot("default", "test-cr").Should().NotBeNull();
        Emulator.Received.Should().OnlyContain(r => r.Authorization == "Bearer " + Token);

        Emulator.Platform.ClearCalls();
        var requests = Emulator.Requests;
        var second = await Run("apply", "--cr", cr, "--platform", url, "--token-file", tokenFile);
        second.Code.Should().Be(0);
        // A new process asks the platform's version once, then reads the deployment once.
        (Emulator.Requests - requests).Should().Be(2);
        Emulator.Received.TakeLast(2).Select(r => r.Path).Should().Equal("/api/v1/status/system-info", "/api/v1/namespaces/default/deployments/test-cr");
        Emulator.Platform.Calls.Should().ContainSingle().Which.Operation.Should().Be(PlatformOperation.GetDeployment);

        (await Run("diff", "--cr", cr, "--platform", url, "--token-file", tokenFile)).Code.Should().Be(0);
        first.Stdout.Should().NotContain(Token);
    }

    [Fact]
    public async Task Diff_exits_3_when_something_would_change_and_writes_nothing()
    {
        var cr = File("test-cr.yaml", TestCrs.SeedTestCrYaml);

        var result = await Run(new Dictionary<string, string> { ["VVP_API_TOKEN"] = Token }, "diff", "--cr", cr, "--platform", Url);

        result.Code.Should().Be(3);
        result.Stdout.Should().Contain("action:  create (created)");
        Emulator.Platform.WriteCount.Should().Be(0);
    }

    [Fact]
    public async Task Dry_run_equals_diff()
    {
        var cr = File("test-cr.yaml", TestCrs.SeedTestCrYaml);

        var result = await Run(new Dictionary<string, string> { ["VVP_API_TOKEN"] = Token }, "apply", "--dry-run", "--cr", cr, "--platform", Url);

        result.Code.Should().Be(3);
        Emulator.Platform.WriteCount.Should().Be(0);
    }

    [Fact]
    public async Task AFolder_of_CRs_with_one_invalid_applies_the_valid_ones_and_exits_1()
    {
        var dir = Path.Combine(Folder, "crs");
        Directory.CreateDirectory(dir);
        System.IO.File.WriteAllText(Path.Combine(dir, "a.yaml"), TestCrs.SeedTestCrYaml + "\n---\n" + TestCrs.SeedTestCrYaml.Replace("name: test-cr", "name: second-cr", StringComparison.Ordinal));
        System.IO.File.WriteAllText(Path.Combine(dir, "b.json"), "{\"kind\": \"VvpDeployment\"}");
        System.IO.File.WriteAllText(Path.Combine(dir, "notes.txt"), "ignored");

        var result = await Run(new Dictionary<string, string> { ["VVP_API_TOKEN"] = Token }, "apply", "--cr", dir, "--platform", Url, "--output", "json");

        result.Code.Should().Be(1);
        var reports = JsonNode.Parse(result.Stdout)!.AsArray();
        reports.Should().HaveCount(3);
        Emulator.Platform.Snapshot("default", "test-cr").Should().NotBeNull();
        Emulator.Platform.Snapshot("default", "second-cr").Should().NotBeNull();
        reports[2]!["plan"]!["reason"]!.GetValue<string>().Should().Be("invalid");
    }

    [Fact]
    public async Task Several_cr_options_take_several_files()
    {
        var a = File("a.yaml", TestCrs.SeedTestCrYaml);
        var b = File("b.yaml", TestCrs.SeedTestCrYaml.Replace("name: test-cr", "name: other-cr", StringComparison.Ordinal));

        var result = await Run("apply", "--cr", a, "--cr", b, "--state", Path.Combine(Folder, "s.json"), "--output", "json");

        result.Code.Should().Be(0);
        JsonNode.Parse(result.Stdout)!.AsArray().Should().HaveCount(2);
    }

    [Fact]
    public async Task Without_a_platform_the_embedded_one_is_kept_in_the_state_file_between_runs()
    {
        var cr = File("test-cr.yaml", TestCrs.SeedTestCrYaml);
        var state = Path.Combine(Folder, "state.json");

        (await Run("diff", "--cr", cr, "--state", state)).Code.Should().Be(3);
        (await Run("apply", "--cr", cr, "--state", state)).Code.Should().Be(0);
        var again = await Run("apply", "--cr", cr, "--state", state);
        var diff = await Run("diff", "--cr", cr, "--state", state);

        again.Stdout.Should().Contain("0 write(s)");
        diff.Code.Should().Be(0);
        JsonNode.Parse(System.IO.File.ReadAllText(state))!["deployments"]!.AsArray().Should().ContainSingle();
    }

    [Theory]
    [InlineData("apply", "--cr", "x.yaml", "--token", "secret")]
    [InlineData("apply", "--cr", "x.yaml", "--platform", "http://vvp.example.com")]
    [InlineData("apply", "--cr", "x.yaml", "--platform", "http://127.0.0.1:1", "--state", "s.json")]
    [InlineData("diff")]
    public async Task Usage_errors_exit_2(params string[] args)
    {
        var result = await Run(args);

        result.Code.Should().Be(2);
        result.Stderr.Should().StartWith("vvp-reconcile: ").And.NotContain("   at ");
    }
}
