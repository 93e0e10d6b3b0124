using System.Text.RegularExpressions;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Documentation;

/// <summary>
/// The benchmark commands docs/performance.md gives exist: every mode it passes to the benchmark program is one the
/// program handles, and the before/after script it names is there and parses. Benchmarks never run with the tests.
/// </summary>
public sealed partial class BenchmarkCommandsTests
{
    private static readonly string Root = SharedFolder.RepositoryRoot();

    [Fact]
    public void Every_benchmark_mode_the_performance_notes_name_is_one_the_benchmark_program_handles()
    {
        var notes = File.ReadAllText(Path.Combine(Root, "docs", "performance.md"));
        var program = File.ReadAllText(Path.Combine(Root, "bench", "Vvp.Reconciliation.Benchmarks", "Program.cs"));
        var modes = Mode().Matches(notes).Select(m => m.Groups["mode"].Value).Distinct(StringComparer.Ordinal).ToList();

        modes.Should().Contain(["drift-parts", "fleet-counts", "operator-counts"]);
        foreach (var mode in modes)
        {
            program.Should().Contain($"[\"{mode}\"", $"docs/performance.md runs the benchmark mode '{mode}'");
        }
    }

    [Fact]
    public async Task The_before_after_script_the_performance_notes_name_exists_and_parses()
    {
        File.ReadAllText(Path.Combine(Root, "docs", "performance.md")).Should().Contain("bench/before-after.sh");
        var script = Path.Combine(Root, "bench", "before-after.sh");
        File.Exists(script).Should().BeTrue();

        using var bash = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash", ["-n", script]) { RedirectStandardError = true })!;
        var errors = await bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync();
        bash.ExitCode.Should().Be(0, errors);
    }

    // "-- mode" after the benchmark project, where the mode is a word (not a BenchmarkDotNet option such as --filter).
    [GeneratedRegex(@"bench/Vvp\.Reconciliation\.Benchmarks -- (?<mode>[a-z][a-z-]*)")]
    private static partial Regex Mode();
}
