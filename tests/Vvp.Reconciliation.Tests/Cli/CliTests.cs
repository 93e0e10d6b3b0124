using System.Text.Json.Nodes;
using Vvp.Reconciliation.Cli;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Cli;

public sealed class CliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vvp-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Plan_json_for_the_seed_test_cr_is_a_create_with_initFields_applied()
    {
        var (code, stdout, stderr) = Run("plan", "--cr", File("test-cr.yaml", TestCrs.SeedTestCrYaml), "--output", "json");

        code.Should().Be(0, stderr);
        var plan = JsonNode.Parse(stdout)!;
        plan["action"]!.GetValue<string>().Should().Be("create");
        plan["request"]!["metadata"]!["displayName"]!.GetValue<string>().Should().Be("abc");
        plan["request"]!["spec"]!["maxSavepointCreationAttempts"]!.GetValue<int>().Should().Be(999);
    }

    [Theory]
    [InlineData("kind: VvpDeployment\nmetadata: {}\nspec: {}\n")]
    [InlineData("spec: [unclosed\n")]
    [InlineData("")]
    public void Plan_json_prints_exactly_one_blocked_plan_for_an_invalid_or_unparsable_CR_and_exits_1(string content)
    {
        var (code, stdout, _) = Run("plan", "--cr", File("bad.yaml", content), "--output", "json");

        code.Should().Be(1);
        var plan = JsonNode.Parse(stdout)!;
        plan["action"]!.GetValue<string>().Should().Be("blocked");
        plan["reason"]!.GetValue<string>().Should().Be("invalid");
        plan["errors"]!.AsArray().Should().NotBeEmpty();
        plan["request"].Should().BeNull();
    }

    [Fact]
    public void Plan_text_against_a_live_file_shows_the_action_and_the_changes()
    {
        var live = TestCrs.Live("""{"spec":{"state":"RUNNING"}}""");

        var (code, stdout, _) = Run("plan", "--cr", File("cr.yaml", TestCrs.SeedTestCrYaml), "--live", File("live.json", live.ToJsonString()));

        code.Should().Be(0);
        stdout.Should().Contain("action:  patch (drift)").And.Contain("request: PATCH /api/v1/namespaces/default/deployments/test-cr")
            .And.Contain("~ /spec/state = \"CANCELLED\"");
    }

    [Fact]
    public void Plan_uses_the_identity_given()
    {
        var (_, stdout, _) = Run("plan", "--cr", File("cr.yaml", TestCrs.SeedTestCrYaml), "--identity", "vvp-7", "--output", "json");

        JsonNode.Parse(stdout)!["request"]!["metadata"]!["annotations"]!["reconciliation.vvp/owner"]!.GetValue<string>().Should().Be("vvp-7/default/test-cr");
    }

    [Theory]
    [InlineData("plan")]
    [InlineData("plan", "--cr")]
    [InlineData("plan", "--cr", "x.yaml", "--output", "xml")]
    [InlineData("plan", "--cr", "x.yaml", "--token", "secret")]
    [InlineData("frobnicate")]
    [InlineData("validate")]
    [InlineData("validate", "x.yaml", "--output", "xml")]
    [InlineData]
    public void Usage_errors_exit_2_with_a_message_and_no_stack_trace(params string[] args)
    {
        var (code, _, stderr) = Run(args);

        code.Should().Be(2);
        stderr.Should().StartWith("vvp-reconcile: ").And.Contain("Usage:").And.NotContain("   at ");
    }

    [Theory]
    [InlineData("plan", "--help")]
    [InlineData("validate", "-h")]
    [InlineData("diff", "--cr", "x.yaml", "--help")]
    [InlineData("apply", "--help")]
    [InlineData("--help")]
    public void Help_after_any_command_shows_the_usage_and_exits_0(params string[] args)
    {
        var (code, stdout, _) = Run(args);

        code.Should().Be(0);
        stdout.Should().Contain("Usage:").And.Contain("vvp-reconcile apply");
    }

    [Fact]
    public void Validate_reports_as_JSON_on_request()
    {
        var valid = File("valid.yaml", TestCrs.SeedTestCrYaml);
        var invalid = File("invalid.yaml", TestCrs.SeedTestCrYaml.Replace("state: CANCELLED", "state: STOPPED", StringComparison.Ordinal));

        var (code, stdout, _) = Run("validate", valid, invalid, "--output", "json");

        code.Should().Be(1);
        var reports = JsonNode.Parse(stdout)!.AsArray();
        reports.Select(r => r!["valid"]!.GetValue<bool>()).Should().Equal(true, false);
        reports[1]!["errors"]![0]!["path"]!.GetValue<string>().Should().Be("/spec/deployment/spec/state");
    }

    [Fact]
    public void A_missing_file_exits_2_naming_the_file()
    {
        var (code, _, stderr) = Run("plan", "--cr", Path.Combine(_folder, "absent.yaml"));

        code.Should().Be(2);
        stderr.Should().Contain("absent.yaml: no such file").And.NotContain("   at ");
    }

    [Fact]
    public void A_live_file_that_is_not_an_object_exits_2()
    {
        var (code, _, stderr) = Run("plan", "--cr", File("cr.yaml", TestCrs.SeedTestCrYaml), "--live", File("live.json", "[1]"));

        code.Should().Be(2);
        stderr.Should().Contain("live.json: a live deployment must be an object");
    }

    [Fact]
    public void Validate_prints_each_error_as_file_pointer_message_and_exits_1_if_any()
    {
        var good = File("good.yaml", TestCrs.SeedTestCrYaml);
        var bad = File("bad.yaml", TestCrs.SeedTestCrYaml.Replace("state: CANCELLED", "state: STOPPED", StringComparison.Ordinal));

        var (code, stdout, _) = Run("validate", good, bad);

        code.Should().Be(1);
        stdout.Should().Contain($"{good}: valid").And.Contain($"{bad}: /spec/deployment/spec/state: The value must be one of: RUNNING, SUSPENDED, CANCELLED.");
    }

    [Fact]
    public void Validate_names_each_document_of_a_multi_document_file()
    {
        var file = File("two.yaml", TestCrs.SeedTestCrYaml + "\n---\n" + TestCrs.SeedTestCrYaml.Replace("kind: JAR", "kind: WAR", StringComparison.Ordinal));

        var (code, stdout, _) = Run("validate", file);

        code.Should().Be(1);
        stdout.Should().Contain($"{file}#1: valid").And.Contain($"{file}#2: /spec/deployment/spec/template/spec/artifact: The artifact must be one of");
    }

    [Fact]
    public void Validate_exits_0_when_every_file_is_valid()
    {
        Run("validate", File("good.yaml", TestCrs.SeedTestCrYaml)).Code.Should().Be(0);
    }

    private string File(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    private static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
