using System.Diagnostics;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>Runs <c>kubectl</c> against a kubeconfig (the Kubernetes API stand-in's), as a user would.</summary>
internal static class Kubectl
{
    public static string? Program { get; } = ExecutablePath.Find("kubectl");

    /// <summary>Skips the test when kubectl is not installed; under <c>CI=true</c> (where <c>.ci/run</c> installs it) fails instead.</summary>
    public static string Require()
    {
        if (Program is null)
        {
            Environment.GetEnvironmentVariable("CI").Should().NotBe("true", "under CI=true .ci/run installs kubectl");
            Skip.If(true, "kubectl is not installed (Debian package kubernetes-client; .ci/run installs it).");
        }

        return Program!;
    }

    /// <summary>Starts kubectl with <c>KUBECONFIG</c> set; the caller waits for it.</summary>
    public static Process Start(string kubeconfig, params string[] args)
    {
        var info = new ProcessStartInfo(Require(), args) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["KUBECONFIG"] = kubeconfig;
        info.Environment["HOME"] = Path.GetTempPath();
        return Process.Start(info)!;
    }

    /// <summary>Runs kubectl to its end (at most <paramref name="within"/>).</summary>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string kubeconfig, TimeSpan within, params string[] args)
    {
        using var process = Start(kubeconfig, args);
        return await EndAsync(process, within);
    }

    public static async Task<(int Exit, string Stdout, string Stderr)> EndAsync(Process process, TimeSpan within)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(within);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
