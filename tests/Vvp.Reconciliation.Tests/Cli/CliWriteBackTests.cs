using System.Text.Json.Nodes;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Cli;

/// <summary>
/// <c>vvp-reconcile apply</c> run again and again from a pipeline on plain files, against the emulator over a
/// real socket: spec updates go back into the file they came from, and re-applies write nothing.
/// </summary>
public sealed class CliWriteBackTests() : CliEmulatorTest("cli-token-77cd", new InMemoryPlatformOptions { ApplyDefaults = true, NormalizeValues = true })
{
    private const string PutPartialYaml = """
        # adopted from the platform
        apiVersion: ververica.platform/v1
        kind: VvpDeployment
        metadata:
          name: test-cr
        spec:
          syncingMode: PUT
          deployment:
            userMetadata:
              name: test-cr
            spec:
              state: CANCELLED
              deploymentTargetName: test-target
              template:
                spec:
                  artifact:
                    kind: JAR
                    jarUri: file:///a.jar
        """;

    private void SeedForAdoption() =>
        Emulator.Platform.Seed("default", (JsonObject)JsonNode.Parse("""
            {"metadata":{"name":"test-cr","displayName":"made in the UI"},
             "spec":{"state":"CANCELLED","deploymentTargetName":"test-target","jobFailureExpirationTime":"2h",
                     "template":{"spec":{"artifact":{"kind":"JAR","jarUri":"file:///a.jar"},"parallelism":3}}}}
            """)!);

    [Theory]
    [InlineData("PATCH")]
    [InlineData("PUT")]
    public async Task Re_applying_an_unchanged_file_ten_times_writes_nothing_after_the_first_apply(string mode)
    {
        var cr = File("cr.yaml", TestCrs.SeedTestCrYaml.Replace("syncingMode: PATCH", "syncingMode: " + mode, StringComparison.Ordinal)
            .Replace("\n  initFields:\n    userMetadata:\n      displayName: abc\n    spec:\n      maxSavepointCreationAttempts: 999", string.Empty, StringComparison.Ordinal));
        var writes = new List<int>();

        for (var run = 0; run < 11; run++)
        {
            var before = Emulator.Platform.WriteCount;
            var result = await Apply("--cr", cr);
            result.Code.Should().Be(0, result.Stdout);
            writes.Add(Emulator.Platform.WriteCount - before);
        }

        writes.Should().Equal([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "the create and its applied record, then nothing, though the platform adds defaults and normalises values");
    }

    [Fact]
    public async Task Put_mode_adoption_writes_what_it_synced_back_into_the_file_and_re_applies_never_lose_it()
    {
        SeedForAdoption();
        var cr = File("cr.yaml", PutPartialYaml);

        var first = await Apply("--cr", cr);

        first.Code.Should().Be(0, first.Stdout);
        first.Stdout.Should().Contain("wrote:   " + cr);
        var written = ResourceReader.Read(System.IO.File.ReadAllText(cr)).Document!;
        written["spec"]!["deployment"]!["spec"]!["jobFailureExpirationTime"]!.GetValue<string>().Should().Be("2h");
        written["spec"]!["deployment"]!["userMetadata"]!["displayName"]!.GetValue<string>().Should().Be("made in the UI");
        System.IO.File.ReadAllText(cr).Should().StartWith("# adopted from the platform\n", "what precedes the document is kept");

        var writes = new List<int>();
        for (var run = 0; run < 5; run++)
        {
            var before = Emulator.Platform.WriteCount;
            (await Apply("--cr", cr)).Code.Should().Be(0);
            writes.Add(Emulator.Platform.WriteCount - before);
        }

        writes.Sum().Should().BeLessThanOrEqualTo(1, "at most one bookkeeping write");
        writes.Skip(1).Should().OnlyContain(w => w == 0);
        var live = Emulator.Platform.Snapshot("default", "test-cr")!;
        live["spec"]!["jobFailureExpirationTime"]!.GetValue<string>().Should().Be("2h");
        live["spec"]!["template"]!["spec"]!["parallelism"]!.GetValue<int>().Should().Be(3);
        live["metadata"]!["displayName"]!.GetValue<string>().Should().Be("made in the UI");
    }

    [Fact]
    public async Task With_no_write_back_the_file_is_untouched_and_a_PUT_that_would_remove_adopted_fields_is_refused_naming_them()
    {
        SeedForAdoption();
        var cr = File("cr.yaml", PutPartialYaml);

        var adopted = await Apply("--cr", cr, "--no-write-back");
        adopted.Code.Should().Be(0, adopted.Stdout);
        System.IO.File.ReadAllText(cr).Should().Be(PutPartialYaml);
        adopted.Stdout.Should().Contain("not written back");
        var unchanged = await Apply("--cr", cr, "--no-write-back");
        unchanged.Code.Should().Be(0);
        unchanged.Stdout.Should().Contain("0 write(s)");

        System.IO.File.WriteAllText(cr, PutPartialYaml.Replace("state: CANCELLED", "state: CANCELLED\n      maxJobCreationAttempts: 4", StringComparison.Ordinal));
        var before = Emulator.Platform.WriteCount;
        var edited = await Apply("--cr", cr, "--no-write-back");

        edited.Code.Should().Be(1);
        edited.Stdout.Should().Contain("/spec/deployment/spec/jobFailureExpirationTime").And.Contain("/spec/deployment/userMetadata/displayName");
        Emulator.Platform.WriteCount.Should().Be(before);
        Emulator.Platform.Snapshot("default", "test-cr")!["spec"]!["jobFailureExpirationTime"]!.GetValue<string>().Should().Be("2h");
    }

    [Fact]
    public async Task Write_back_changes_only_the_lines_that_change_comments_and_formatting_stay()
    {
        SeedForAdoption();
        var text = """
            # owner: team-data
            apiVersion: ververica.platform/v1
            kind: VvpDeployment
            metadata:
              name: test-cr   # the CR

            spec:
              syncingMode: "PUT"
              deployment:
                userMetadata:
                  name: 'test-cr'
                  id: abc-1234   # copied from the UI
                spec:
                  state: CANCELLED
                  deploymentTargetName: test-target
                  # the jar
                  template:
                    spec:
                      artifact:
                        kind: JAR
                        jarUri: file:///a.jar   # built by CI

            """;
        var cr = File("commented.yaml", text);

        var result = await Apply("--cr", cr);

        result.Code.Should().Be(0, result.Stdout);
        var after = System.IO.File.ReadAllText(cr);
        var kept = text.Split('\n').Where(l => !l.Contains("id: abc-1234", StringComparison.Ordinal)).ToList();
        var lines = after.Split('\n').ToList();
        lines.Where(l => !kept.Contains(l)).Should().OnlyContain(l => l.StartsWith("      ", StringComparison.Ordinal), "only added lines inside the deployment differ:\n" + after);
        kept.Should().OnlyContain(l => lines.Contains(l), "every line but the scrubbed one stays:\n" + after);
        after.Should().Contain("jobFailureExpirationTime: 2h").And.Contain("displayName: made in the UI");
        (await Apply("--cr", cr)).Stdout.Should().Contain("0 write(s)");
    }

    [Fact]
    public async Task Scrubbed_keys_are_written_back_into_their_own_document_and_the_other_documents_stay_as_they_were()
    {
        var other = TestCrs.SeedTestCrYaml.Replace("name: test-cr", "name: other-cr", StringComparison.Ordinal);
        var scrubbed = TestCrs.SeedTestCrYaml.Replace("      namespace: default\n", "      namespace: default\n      id: abc-1234\n", StringComparison.Ordinal);
        var text = "# two CRs\n" + other + "\n---\n" + scrubbed + "\n";
        var cr = File("two.yaml", text);

        var result = await Apply("--cr", cr);

        result.Code.Should().Be(0, result.Stdout);
        result.Stdout.Should().Contain("document 2 of 2");
        var after = System.IO.File.ReadAllText(cr);
        after.Should().StartWith("# two CRs\n" + other + "\n---\n");
        var documents = ResourceReader.ReadAll(after);
        documents.Should().HaveCount(2);
        documents[1].Document!["spec"]!["deployment"]!["userMetadata"]!.AsObject().ContainsKey("id").Should().BeFalse();
        documents[1].Document!["spec"]!["deployment"]!["userMetadata"]!["name"]!.GetValue<string>().Should().Be("test-cr");
    }

    [Fact]
    public async Task Diff_shows_the_pending_spec_update_and_writes_no_file()
    {
        SeedForAdoption();
        var cr = File("cr.yaml", PutPartialYaml);

        var result = await Run(new Dictionary<string, string> { ["VVP_API_TOKEN"] = Token }, "diff", "--cr", cr, "--platform", Url);

        result.Code.Should().Be(3);
        result.Stdout.Should().Contain("spec update:").And.Contain("+ /spec/deployment/spec/jobFailureExpirationTime = \"2h\"");
        System.IO.File.ReadAllText(cr).Should().Be(PutPartialYaml);
        Emulator.Platform.WriteCount.Should().Be(0);
    }

    private Task<(int Code, string Stdout, string Stderr)> Apply(params string[] args) =>
        Run(new Dictionary<string, string> { ["VVP_API_TOKEN"] = Token }, ["apply", .. args, "--platform", Url]);
}
