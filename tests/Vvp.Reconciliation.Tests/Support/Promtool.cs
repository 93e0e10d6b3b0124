using System.Diagnostics;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>Prometheus's own linter, <c>promtool check metrics</c>, run on a scrape.</summary>
internal static class Promtool
{
    public static string? Program { get; } = ExecutablePath.Find("promtool");

    /// <summary>Skips the test when promtool is not installed; under <c>CI=true</c> (where <c>.ci/run</c> installs it) fails instead.</summary>
    public static string Require()
    {
        if (Program is null)
        {
            Environment.GetEnvironmentVariable("CI").Should().NotBe("true", "under CI=true .ci/run installs promtool (Debian package prometheus)");
            Skip.If(true, "promtool is not installed (Debian package prometheus; .ci/run installs it).");
        }

        return Program!;
    }

    /// <summary>Runs <c>promtool check metrics</c> with <paramref name="scrape"/> on its input: its exit code and what it printed.</summary>
    public static async Task<(int Exit, string Output)> CheckMetricsAsync(string scrape)
    {
        var info = new ProcessStartInfo(Require(), ["check", "metrics"]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(scrape);
        process.StandardInput.Close();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, (await stdout) + (await stderr));
    }
}
