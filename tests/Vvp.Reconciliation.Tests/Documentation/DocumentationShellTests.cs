using System.Diagnostics;
using System.Text.RegularExpressions;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Documentation;

/// <summary>
/// Every shell block of README.md and docs/*.md, run as pasted by bash from the repository's root with
/// <c>set -e -o pipefail</c>. A block that needs what a test run does not have (a cluster, Docker, minutes of
/// benchmarking, a server that runs until stopped) says so right above it, in a comment
/// <c>&lt;!-- not run by the tests: reason --&gt;</c>, and is skipped with that reason. A block marked
/// <c>&lt;!-- run against the Kubernetes API stand-in … --&gt;</c> runs with <c>KUBECONFIG</c> pointed at the stand-in, where
/// the operator has reconciled the documentation's example CR in <c>vvp-jobs</c>. <c>dotnet test</c> inside a block
/// is the test run itself and is not started again.
/// </summary>
public sealed partial class DocumentationShellTests
{
    private static readonly string Root = DocumentationFiles.Root;

    // The README's blocks here, the docs' in DocumentationShellDocsTests: two classes, which run side by side.
    public static TheoryData<string, int> Blocks() => Of(file => file == "README.md");

    [Fact]
    public void The_README_s_command_line_blocks_are_run_not_skipped()
    {
        var readme = ShellBlock().Matches(File.ReadAllText(Path.Combine(Root, "README.md")));

        readme.Count.Should().BeGreaterThanOrEqualTo(4);
        readme.Where(m => m.Groups["reason"].Success).Should().HaveCountLessThanOrEqualTo(1, "only a block that runs until stopped may be skipped");
        readme.Select(m => m.Groups["code"].Value).Should().Contain(c => c.Contains("--platform http://127.0.0.1:18555", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [MemberData(nameof(Blocks))]
    public Task Every_shell_block_runs_as_pasted(string file, int index) => RunBlockAsync(file, index);

    internal static TheoryData<string, int> Of(Func<string, bool> file)
    {
        var rows = new TheoryData<string, int>();
        foreach (var row in DocumentationFiles.Blocks(ShellBlock()).Where(r => file((string)r[0])))
        {
            rows.Add((string)row[0], (int)row[1]);
        }

        return rows;
    }

    internal static async Task RunBlockAsync(string file, int index)
    {
        var block = ShellBlock().Matches(File.ReadAllText(Path.Combine(Root, file)))[index];
        Skip.If(block.Groups["reason"].Success, $"{file}, block {index + 1}: {block.Groups["reason"].Value}");
        var code = block.Groups["code"].Value;
        var before = Directory.EnumerateFileSystemEntries(Root).Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
        await using var cluster = block.Groups["standin"].Success ? await StandInClusterAsync() : null;

        try
        {
            var (exit, output) = await BashAsync(code, cluster?.Kubeconfig);

            exit.Should().Be(0, $"{file}, block {index + 1}:\n{code}\n--- output:\n{output}");
        }
        finally
        {
            // What the block made at the root (a token file, a state file, exported CRs) goes again.
            foreach (var entry in Directory.EnumerateFileSystemEntries(Root).Where(e => !before.Contains(Path.GetFileName(e)) && code.Contains(Path.GetFileName(e)!, StringComparison.Ordinal)))
            {
                if (Directory.Exists(entry))
                {
                    Directory.Delete(entry, recursive: true);
                }
                else
                {
                    File.Delete(entry);
                }
            }
        }
    }

    // A block marked "run against the Kubernetes API stand-in" runs with kubectl pointed at the stand-in, where the operator
    // has reconciled the documentation's example CR (samples/QuickStart/crs/test-cr.yaml) in the namespace vvp-jobs.
    private static async Task<StandInCluster> StandInClusterAsync()
    {
        Kubectl.Require();
        var session = await OperatorSession.StartAsync();
        session.Start(OperatorSession.Options(configure: o =>
        {
            o.WatchedNamespaces.Clear();
            o.WatchedNamespaces.Add("vvp-jobs");
        }));
        var cr = (System.Text.Json.Nodes.JsonObject)Vvp.Reconciliation.Resources.ResourceReader.Read(File.ReadAllText(Path.Combine(Root, "samples", "QuickStart", "crs", "test-cr.yaml"))).Document!;
        session.Apply("test-cr", cr, "vvp-jobs");
        await OperatorSession.Eventually(() => session.Cr("test-cr", "vvp-jobs")?["status"]?["observedGeneration"] is not null, "the operator reconciled the example CR");
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"vvp-docs-kubeconfig-{Guid.NewGuid():N}.yaml");
        session.Api.WriteKubeconfig(kubeconfig);
        return new StandInCluster(session, kubeconfig);
    }

    private sealed record StandInCluster(OperatorSession Session, string Kubeconfig) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            File.Delete(Kubeconfig);
            await Session.DisposeAsync();
        }
    }

    private static async Task<(int Exit, string Output)> BashAsync(string code, string? kubeconfig = null)
    {
        // A `dotnet` first on the PATH that runs every command but `dotnet test`, the run this test is part of.
        var shims = Directory.CreateTempSubdirectory("vvp-shell-").FullName;
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var shim = Path.Combine(shims, "dotnet");
        await File.WriteAllTextAsync(shim, $"""
            #!/usr/bin/env bash
            if [ "$1" = "test" ]; then echo "(dotnet $*: the test run itself, not started again)"; exit 0; fi
            exec "{dotnet}" "$@"

            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(shim, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add("-c");
        // Background jobs a block starts end with it.
        info.ArgumentList.Add("set -e -o pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + code);
        info.Environment["PATH"] = shims + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        info.Environment["MSBuildSDKsPath"] = null;
        info.Environment["MSBuildExtensionsPath"] = null;
        info.Environment["MSBUILD_EXE_PATH"] = null;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        if (kubeconfig is not null)
        {
            info.Environment["KUBECONFIG"] = kubeconfig;
        }

        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            Directory.Delete(shims, recursive: true);
        }
    }

    [GeneratedRegex(@"(?:<!-- (?:not run by the tests: (?<reason>[^\n]*?)|(?<standin>run against the Kubernetes API stand-in[^\n]*?)) -->\n)?```(?:bash|sh|shell)\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();
}

/// <summary>The shell blocks of docs/*.md, run as <see cref="DocumentationShellTests"/> runs the README's.</summary>
public sealed class DocumentationShellDocsTests
{
    public static TheoryData<string, int> Blocks() => DocumentationShellTests.Of(file => file != "README.md");

    [SkippableTheory]
    [MemberData(nameof(Blocks))]
    public Task Every_shell_block_runs_as_pasted(string file, int index) => DocumentationShellTests.RunBlockAsync(file, index);
}
