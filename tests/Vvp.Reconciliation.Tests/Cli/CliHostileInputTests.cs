using System.Diagnostics;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Cli;

/// <summary>The command-line tool given hostile arguments and files: nothing secret echoed, nothing forged, no hang, no silent success.</summary>
public sealed class CliHostileInputTests : IDisposable
{
    private const string Secret = "s3cr3t-T0ken-9f8e7d6c5b4a";
    private readonly string _folder = Directory.CreateTempSubdirectory("vvp-cli-hostile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Theory]
    [InlineData("apply", "--cr", "CR", Secret)]
    [InlineData("apply", "--cr", "CR", "--token-file", Secret)]
    [InlineData(Secret)]
    [InlineData("apply", "--cr", "CR", "--platform", "http://admin:" + Secret + "@vvp.example.com")]
    [InlineData("apply", "--cr", "CR", "--platform", "http://admin:" + Secret + "@127.0.0.1:1")]
    public async Task Nothing_secret_is_echoed_not_an_argument_nor_a_URL_user_info(params string[] args)
    {
        var cr = File("cr.yaml", TestCrs.SeedTestCrYaml);

        var result = await Run([.. args.Select(a => a == "CR" ? cr : a)]);

        result.Code.Should().Be(2);
        (result.Stdout + result.Stderr).Should().NotContain(Secret).And.NotContain("admin:");
    }

    [Fact]
    public async Task The_HTTPS_refusal_names_the_command_line_flag()
    {
        var cr = File("cr.yaml", TestCrs.SeedTestCrYaml);

        var result = await Run("apply", "--cr", cr, "--platform", "http://vvp.example.com");

        result.Stderr.Should().Contain("--allow-insecure-http").And.NotContain("AllowInsecureHttp");
    }

    [Theory]
    [InlineData("abc\rdef")]
    [InlineData("abc\ndef")]
    [InlineData("abc\0def")]
    [InlineData("abc\0")]
    public async Task A_token_file_with_CR_LF_or_NUL_inside_is_refused_clearly_and_never_sent(string token)
    {
        var cr = File("cr.yaml", TestCrs.SeedTestCrYaml);
        var tokenFile = File("token", token);

        var result = await Run("apply", "--cr", cr, "--token-file", tokenFile, "--platform", "http://127.0.0.1:9");

        result.Code.Should().Be(2);
        result.Stderr.Should().Contain("control character").And.NotContain("abc").And.NotContain("   at ");
    }

    [Fact]
    public async Task A_CR_name_with_control_characters_forges_no_output_line()
    {
        var cr = File("cr.yaml", TestCrs.SeedTestCrYaml.Replace("name: test-cr\n      namespace", "name: \"x\\e[31m\\nforged: yes\"\n      namespace", StringComparison.Ordinal));

        var result = await Run("apply", "--cr", cr);

        result.Code.Should().Be(1);
        result.Stdout.Should().NotContain("\u001b");
        result.Stdout.Split('\n').Should().NotContain(l => l.StartsWith("forged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_named_pipe_without_a_writer_is_given_up_after_the_wait_not_waited_on_forever()
    {
        var fifo = Path.Combine(_folder, "cr.fifo");
        Process.Start("mkfifo", fifo).WaitForExit();

        var result = await CliRun.RunAsync(null, TimeSpan.FromMilliseconds(300), "apply", "--cr", fifo);

        result.Code.Should().Be(2);
        result.Stderr.Should().Contain("nothing could be read");
        // Release the reader still waiting in open().
        await using (new FileStream(fifo, FileMode.Open, FileAccess.Write))
        {
        }
    }

    [Fact]
    public async Task A_pipe_is_read_to_its_end_even_though_its_length_says_zero()
    {
        var fifo = Path.Combine(_folder, "cr.fifo");
        Process.Start("mkfifo", fifo).WaitForExit();
        var writer = Task.Run(() => System.IO.File.WriteAllText(fifo, TestCrs.SeedTestCrYaml));

        var result = await Run("diff", "--cr", fifo);
        await writer;

        result.Code.Should().Be(3, result.Stdout + result.Stderr);
        result.Stdout.Should().Contain("action:  create");
    }

    [Fact]
    public async Task A_proc_file_is_read_not_taken_as_empty()
    {
        var result = await Run("validate", "/proc/self/status");

        result.Code.Should().Be(1);
        result.Stdout.Should().NotContain("no document").And.Contain("/proc/self/status:");
    }

    [Fact]
    public async Task Apply_of_a_file_with_no_document_fails_as_validate_does()
    {
        var empty = File("empty.yaml", "---\n");

        var apply = await Run("apply", "--cr", empty);
        var validate = await Run("validate", empty);

        apply.Code.Should().Be(1);
        apply.Stdout.Should().Contain("holds no document");
        validate.Code.Should().Be(1);
    }

    [Fact]
    public async Task Apply_of_a_CR_whose_namespace_is_not_a_DNS_label_fails_as_diff_does()
    {
        var cr = File("cr.yaml", TestCrs.SeedTestCrYaml.Replace("metadata:\n  name: test-cr", "metadata:\n  name: test-cr\n  namespace: Bad_NS", StringComparison.Ordinal));

        var apply = await Run("apply", "--cr", cr);
        var diff = await Run("diff", "--cr", cr);

        apply.Code.Should().Be(1);
        apply.Stdout.Should().Contain("/metadata/namespace");
        diff.Code.Should().Be(1);
    }

    [Fact]
    public async Task A_state_file_larger_than_a_CR_file_may_be_is_read_back()
    {
        var crs = string.Join("\n---\n", Enumerable.Range(0, 700).Select(i => TestCrs.SeedTestCrYaml.Replace("name: test-cr", $"name: cr-{i}", StringComparison.Ordinal)));
        var cr = File("fleet.yaml", crs);
        var state = Path.Combine(_folder, "state.json");

        (await Run("apply", "--cr", cr, "--state", state, "--output", "json")).Code.Should().Be(0);
        new FileInfo(state).Length.Should().BeGreaterThan(1024 * 1024);
        var again = await Run("diff", "--cr", cr, "--state", state, "--output", "json");

        again.Code.Should().Be(0, again.Stderr);
        JsonNode.Parse(again.Stdout)!.AsArray().Should().HaveCount(700);
    }

    private string File(string name, string content) => CliRun.File(_folder, name, content);

    private static Task<(int Code, string Stdout, string Stderr)> Run(params string[] args) => CliRun.RunAsync(null, null, args);
}
