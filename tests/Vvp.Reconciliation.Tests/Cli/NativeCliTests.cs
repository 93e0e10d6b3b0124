using System.Diagnostics;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Cli;

/// <summary>
/// The Native AOT <c>vvp-reconcile</c> (published by <c>.ci/run</c>, named by <c>VVP_RECONCILE_NATIVE</c>) runs every
/// command the way the in-process tool does: the same exit codes, the same output, the same files written. Where the
/// native tool was not published these tests skip; under <c>CI=true</c> they fail instead.
/// </summary>
public sealed class NativeCliTests
{
    private static readonly string Root = SharedFolder.RepositoryRoot();

    public static TheoryData<string> Scenarios() => [.. Steps.Keys.Order(StringComparer.Ordinal)];

    // Each scenario: commands run one after the other in a folder holding copies of the sample CRs ({dir}).
    private static readonly Dictionary<string, string[][]> Steps = new()
    {
        ["help and version"] = [["--help"], ["--version"], ["plan", "--help"]],
        ["usage errors"] = [[], ["plan"], ["nonsense"], ["plan", "--cr", "{dir}/missing.yaml"], ["crd", "extra"]],
        ["plan"] = [["plan", "--cr", "{dir}/test-cr.yaml"], ["plan", "--cr", "{dir}/test-cr.yaml", "--output", "json"], ["plan", "--cr", "{dir}/initial-savepoint-cr.yaml", "--identity", "vvp-2"]],
        ["validate"] = [["validate", "{dir}/test-cr.yaml", "{dir}/initial-savepoint-cr.yaml"], ["validate", "{dir}/invalid.yaml"], ["validate", "{dir}/invalid.yaml", "--output", "json"]],
        ["crd"] = [["crd"]],
        ["apply, re-apply, diff"] = [
            ["apply", "--cr", "{dir}/test-cr.yaml", "--state", "{dir}/state.json"],
            ["apply", "--cr", "{dir}/test-cr.yaml", "--state", "{dir}/state.json", "--output", "json"],
            ["diff", "--cr", "{dir}", "--state", "{dir}/state.json"],
            ["apply", "--cr", "{dir}/scrub.yaml", "--state", "{dir}/state.json"]],
    };

    [SkippableTheory]
    [MemberData(nameof(Scenarios))]
    public async Task The_native_tool_answers_as_the_in_process_one(string scenario)
    {
        var native = Environment.GetEnvironmentVariable("VVP_RECONCILE_NATIVE");
        if (native is null)
        {
            Environment.GetEnvironmentVariable("CI").Should().NotBe("true", "under CI=true .ci/run publishes the native tool and names it in VVP_RECONCILE_NATIVE");
            Skip.If(true, "VVP_RECONCILE_NATIVE does not name a published native vvp-reconcile (.ci/run publishes one).");
        }

        var nativeDir = Folder();
        var inProcessDir = Folder();
        try
        {
            foreach (var step in Steps[scenario])
            {
                var expected = await CliRun.RunAsync(null, null, [.. step.Select(a => a.Replace("{dir}", inProcessDir, StringComparison.Ordinal))]);
                var actual = await RunNative(native!, [.. step.Select(a => a.Replace("{dir}", nativeDir, StringComparison.Ordinal))]);

                var what = string.Join(' ', step);
                actual.Code.Should().Be(expected.Code, what);
                Normalized(actual.Stdout, nativeDir).Should().Be(Normalized(expected.Stdout, inProcessDir), what);
                Normalized(actual.Stderr, nativeDir).Should().Be(Normalized(expected.Stderr, inProcessDir), what);
            }

            foreach (var file in Directory.GetFiles(inProcessDir).Select(Path.GetFileName).Where(f => f != "state.json"))
            {
                File.ReadAllText(Path.Combine(nativeDir, file!)).Should().Be(File.ReadAllText(Path.Combine(inProcessDir, file!)), $"{file} as written back");
            }
        }
        finally
        {
            Directory.Delete(nativeDir, recursive: true);
            Directory.Delete(inProcessDir, recursive: true);
        }
    }

    // The folder and the platform's timestamps differ between the two runs; nothing else may.
    private static string Normalized(string output, string folder) =>
        System.Text.RegularExpressions.Regex.Replace(output.Replace(folder, "{dir}", StringComparison.Ordinal), @"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "{time}");

    private static string Folder()
    {
        var folder = Directory.CreateTempSubdirectory("vvp-native-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "samples", "QuickStart", "crs"), "*.yaml"))
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        var seed = File.ReadAllText(Path.Combine(folder, "test-cr.yaml"));
        CliRun.File(folder, "invalid.yaml", seed.Replace("syncingMode: PATCH", "syncingMode: MERGE", StringComparison.Ordinal));
        CliRun.File(folder, "scrub.yaml", seed.Replace("namespace: default", "namespace: default\n      id: 00000000-0000-0000-0000-000000000001", StringComparison.Ordinal).Replace("name: test-cr", "name: scrub-cr", StringComparison.Ordinal));
        return folder;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunNative(string native, string[] args)
    {
        var info = new ProcessStartInfo(native) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("VVP_API_TOKEN");
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }
}
