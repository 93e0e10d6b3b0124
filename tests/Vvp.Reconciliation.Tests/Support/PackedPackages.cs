using System.Diagnostics;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>
/// The packages of this build, packed once per test run into a local feed with a version of their own (so that no
/// stale copy in the NuGet cache is used): the five libraries and the <c>vvp-reconcile</c> tool.
/// </summary>
internal static class PackedPackages
{
    public static readonly string[] Libraries = ["Vvp.Reconciliation", "Vvp.Reconciliation.Http", "Vvp.Reconciliation.Testing", "Vvp.Reconciliation.Kubernetes", "Vvp.Reconciliation.Kubernetes.Testing"];

    public const string Tool = "Vvp.Reconciliation.Cli";

    private static readonly Lazy<Task<(string Feed, string Version)>> Packed = new(PackAsync);

    /// <summary>The feed's folder and the packages' version.</summary>
    public static Task<(string Feed, string Version)> FeedAsync() => Packed.Value;

    /// <summary>Runs <c>dotnet</c> in <paramref name="folder"/> outside the repository's build settings.</summary>
    public static async Task<(int Exit, string Output)> DotnetAsync(string folder, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["MSBuildSDKsPath"] = null;
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, await stdout + await stderr);
    }

    private static async Task<(string Feed, string Version)> PackAsync()
    {
        var root = SharedFolder.RepositoryRoot();
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var version = $"0.0.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        var feed = Directory.CreateTempSubdirectory("vvp-feed-").FullName;
        foreach (var project in Libraries.Append(Tool))
        {
            var (exit, output) = await DotnetAsync(root, "pack", Path.Combine("src", project, project + ".csproj"), "-c", configuration, "--no-build", "-o", feed, $"-p:PackageVersion={version}");
            exit.Should().Be(0, output);
        }

        return (feed, version);
    }
}
