using System.Diagnostics;
using System.Text.RegularExpressions;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Documentation;

/// <summary>
/// Every PromQL block of README.md and docs/*.md is evaluated by Prometheus's own engine (<c>promtool test rules</c>)
/// over series named as the operator exports them, and must give a value: a query that does not parse, or that names
/// a metric the operator does not export (so matches nothing), fails.
/// </summary>
public sealed partial class DocumentationPromqlTests
{
    public static TheoryData<string, int> Blocks() => DocumentationFiles.Blocks(PromqlBlock());

    [Fact]
    public void The_documentation_has_a_query() => Blocks().Count.Should().BeGreaterThanOrEqualTo(1);

    [SkippableTheory]
    [MemberData(nameof(Blocks))]
    public async Task Every_PromQL_block_evaluates_over_the_operators_series(string file, int index)
    {
        var promtool = Promtool.Require();
        var query = PromqlBlock().Matches(File.ReadAllText(Path.Combine(DocumentationFiles.Root, file)))[index].Groups["code"].Value.Trim();
        var directory = Directory.CreateTempSubdirectory("vvp-promql-").FullName;
        try
        {
            // A rule recording the query, and a unit test that feeds it ten minutes of a change's and a resync's queue
            // waits (buckets as the operator exports them) and expects one series per trigger.
            await File.WriteAllTextAsync(Path.Combine(directory, "rules.yaml"), $"groups:\n  - name: documentation\n    rules:\n      - record: documentation:query\n        expr: '{query.Replace("'", "''", StringComparison.Ordinal)}'\n");
            var series = string.Join("\n", new[] { ("change", "0.25", 9), ("change", "+Inf", 10), ("resync", "0.25", 1), ("resync", "+Inf", 10) }
                .Select(s => $"          - series: 'vvp_operator_workqueue_queue_duration_seconds_bucket{{le=\"{s.Item2}\",trigger=\"{s.Item1}\"}}'\n            values: '0+{s.Item3}x10'"));
            await File.WriteAllTextAsync(Path.Combine(directory, "test.yaml"), $"""
                rule_files: [rules.yaml]
                evaluation_interval: 1m
                tests:
                  - interval: 1m
                    input_series:
                {series}
                    promql_expr_test:
                      - expr: count(documentation:query)
                        eval_time: 10m
                        exp_samples:
                          - value: 2

                """);
            var info = new ProcessStartInfo(promtool, ["test", "rules", "test.yaml"]) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            process.ExitCode.Should().Be(0, $"{file}, PromQL block {index + 1} evaluates to a series per trigger: {output}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [GeneratedRegex(@"```promql\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex PromqlBlock();
}
