using System.Text.Json.Nodes;
using Vvp.Reconciliation.Cli;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Cli;

/// <summary><c>vvp-reconcile diff</c> and <c>apply</c> against the emulator over a real socket, and against the embedded platform.</summary>
public sealed class CliPlatformTests : IAsyncLifetime
{
    private const string Token = "cli-token-91ab";
    private readonly string _folder = Directory.CreateTempSubdirectory("vvp-cli-platform-").FullName;
    private PlatformEmulator _emulator = null!;

    public async Task InitializeAsync()
    {
        _emulator = await PlatformEmulator.StartAsync();
        _emulator.Platform.AddToken(Token, PlatformRole.Editor);
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Apply_creates_with_the_token_file_then_a_second_run_sends_one_GET_and_diff_exits_0()
    {
        var cr = File("test-cr.yaml", TestCrs.SeedTestCrYaml);
        var tokenFile = File("token", Token + "\n");
        var url = _emulator.BaseAddress.ToString();

        var first = await Run("apply", "--cr", cr, "--platform", url, "--token-file", tokenFile);
        first.Code.Should().Be(0, first.Stdout + first.Stderr);
        _emulator.Platform.Snapshot("default", "test-cr").Should().NotBeNull();
        _emulator.Received.Should().OnlyContain(r => r.Authorization == "Bearer " + Token);

        _emulator.Platform.ClearCalls();
        var requests = _emulator.Requests;
        var second = await Run("apply", "--cr", cr, "--platform", url, "--token-file", tokenFile);
        second.Code.Should().Be(0);
        // A new process asks the platform's version once, then reads the deployment once.
        (_emulator.Requests - requests).Should().Be(2);
        _emulator.Received.TakeLast(2).Select(r => r.Path).Should().Equal("/api/v1/status/system-info", "/api/v1/namespaces/default/deployments/test-cr");
        _emulator.Platform.Calls.Should().ContainSingle().Which.Operation.Should().Be(PlatformOperation.GetDeployment);

        (await Run("diff", "--cr", cr, "--platform", url, "--token-file", tokenFile)).Code.Should().Be(0);
        first.Stdout.Should().NotContain(Token);
    }

    [Fact]
    public async Task Diff_exits_3_when_something_would_change_and_writes_nothing()
    {
        var cr = File("test-cr.yaml", TestCrs.SeedTestCrYaml);

        var result = await Run(new Dictionary<string, string> { ["VVP_API_TOKEN"] = Token }, "diff", "--cr", cr, "--platform", _emulator.BaseAddress.ToString());

        result.Code.Should().Be(3);
        result.Stdout.Should().Contain("action:  create (created)");
        _emulator.Platform.WriteCount.Should().Be(0);
    }

    [Fact]
    public async Task Dry_run_equals_diff()
    {
        var cr = File("test-cr.yaml", TestCrs.SeedTestCrYaml);

        var result = await Run(new Dictionary<string, string> { ["VVP_API_TOKEN"] = Token }, "apply", "--dry-run", "--cr", cr, "--platform", _emulator.BaseAddress.ToString());

        result.Code.Should().Be(3);
        _emulator.Platform.WriteCount.Should().Be(0);
    }

    [Fact]
    public async Task A_folder_of_CRs_with_one_invalid_applies_the_valid_ones_and_exits_1()
    {
        var dir = Path.Combine(_folder, "crs");
        Directory.CreateDirectory(dir);
        System.IO.File.WriteAllText(Path.Combine(dir, "a.yaml"), TestCrs.SeedTestCrYaml + "\n---\n" + TestCrs.SeedTestCrYaml.Replace("name: test-cr", "name: second-cr", StringComparison.Ordinal));
        System.IO.File.WriteAllText(Path.Combine(dir, "b.json"), "{\"kind\": \"VvpDeployment\"}");
        System.IO.File.WriteAllText(Path.Combine(dir, "notes.txt"), "ignored");

        var result = await Run(new Dictionary<string, string> { ["VVP_API_TOKEN"] = Token }, "apply", "--cr", dir, "--platform", _emulator.BaseAddress.ToString(), "--output", "json");

        result.Code.Should().Be(1);
        var reports = JsonNode.Parse(result.Stdout)!.AsArray();
        reports.Should().HaveCount(3);
        _emulator.Platform.Snapshot("default", "test-cr").Should().NotBeNull();
        _emulator.Platform.Snapshot("default", "second-cr").Should().NotBeNull();
        reports[2]!["plan"]!["reason"]!.GetValue<string>().Should().Be("invalid");
    }

    [Fact]
    public async Task Several_cr_options_take_several_files()
    {
        var a = File("a.yaml", TestCrs.SeedTestCrYaml);
        var b = File("b.yaml", TestCrs.SeedTestCrYaml.Replace("name: test-cr", "name: other-cr", StringComparison.Ordinal));

        var result = await Run("apply", "--cr", a, "--cr", b, "--state", Path.Combine(_folder, "s.json"), "--output", "json");

        result.Code.Should().Be(0);
        JsonNode.Parse(result.Stdout)!.AsArray().Should().HaveCount(2);
    }

    [Fact]
    public async Task Without_a_platform_the_embedded_one_is_kept_in_the_state_file_between_runs()
    {
        var cr = File("test-cr.yaml", TestCrs.SeedTestCrYaml);
        var state = Path.Combine(_folder, "state.json");

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

    private string File(string name, string content) => CliRun.File(_folder, name, content);

    private static Task<(int Code, string Stdout, string Stderr)> Run(params string[] args) => CliRun.RunAsync(null, null, args);

    private static Task<(int Code, string Stdout, string Stderr)> Run(Dictionary<string, string> environment, params string[] args) => CliRun.RunAsync(environment, null, args);
}
