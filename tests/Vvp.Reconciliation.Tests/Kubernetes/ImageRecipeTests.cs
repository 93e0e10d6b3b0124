using System.Diagnostics;
using System.Text.RegularExpressions;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;
using Xunit.Abstractions;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>
/// The image recipe (<c>Dockerfile</c>), checked without Docker: its runtime stage is the chiseled ASP.NET Core image,
/// non-root as the chart runs it, without HEALTHCHECK or diagnostics turned off; and its build stage is carried out
/// as Docker would — each COPY into an empty folder, each RUN there — so that the restore layer is shown to need only
/// the project files and the publish only the sources copied, with nothing of the test doubles.
/// </summary>
public sealed partial class ImageRecipeTests(ITestOutputHelper output)
{
    private static readonly string Root = SharedFolder.RepositoryRoot();
    private static readonly string Recipe = File.ReadAllText(Path.Combine(Root, "Dockerfile"));

    [Fact]
    public void The_runtime_stage_is_chiseled_non_root_with_diagnostics_on_and_the_charts_ports()
    {
        var stages = Regex.Split(Recipe, @"^FROM ", RegexOptions.Multiline).Skip(1).ToList();
        stages.Should().HaveCount(2, "a build stage and a runtime stage");
        var runtime = stages[1];
        var values = ResourceReader.Read(File.ReadAllText(Path.Combine(Root, "charts", "vvp-operator", "values.yaml"))).Document!;

        runtime.Should().StartWith("mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled ", "no shell, no package manager, non-root by default");
        Regex.Match(runtime, @"^USER (?<user>\S+)", RegexOptions.Multiline).Groups["user"].Value
            .Should().Be(JsonRead.At(values, "podSecurityContext", "runAsUser")!.ToString(), "the image's user is the chart's runAsUser, numeric so that runAsNonRoot can check it");
        Recipe.Should().NotMatchRegex("(?m)^HEALTHCHECK", "the chart's probes judge health; a chiseled image has nothing to run a HEALTHCHECK with");
        Recipe.Should().NotContain("EnableDiagnostics=0", "dotnet-counters, dotnet-trace and dotnet-dump must reach the process");
        var exposed = Regex.Match(runtime, @"^EXPOSE (?<ports>.+)$", RegexOptions.Multiline).Groups["ports"].Value.Split(' ');
        exposed.Should().BeEquivalentTo([JsonRead.At(values, "port")!.ToString(), JsonRead.At(values, "metrics", "port")!.ToString()]);
        var entry = Regex.Match(runtime, @"ENTRYPOINT \[""dotnet"", ""(?<dll>[^""]+)""\]").Groups["dll"].Value;
        entry.Should().Be("vvp-operator.dll");
        File.Exists(Path.Combine(AppContext.BaseDirectory, entry)).Should().BeTrue("the tests run this very program");
    }

    [Fact]
    public async Task The_build_stage_restores_from_the_project_files_alone_and_publishes_the_operator_without_test_doubles()
    {
        var build = Regex.Split(Recipe, @"^FROM ", RegexOptions.Multiline)[1];
        var work = Directory.CreateTempSubdirectory("vvp-image-build-").FullName;
        var app = Path.Combine(work, "app");
        var ran = new List<string>();
        try
        {
            foreach (Match instruction in Instruction().Matches(build))
            {
                var (verb, args) = (instruction.Groups["verb"].Value, instruction.Groups["args"].Value.Trim());
                switch (verb)
                {
                    case "COPY":
                        var parts = args.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        var destination = Path.Combine(work, parts[^1].TrimEnd('/'));
                        foreach (var source in parts[..^1])
                        {
                            // As Docker copies: a file into the destination folder, a folder's contents into it.
                            var from = Path.Combine(Root, source.TrimEnd('/'));
                            Copy(from, Directory.Exists(from) ? destination : Path.Combine(destination, Path.GetFileName(from)));
                        }

                        if (!ran.Any(r => r.Contains("restore", StringComparison.Ordinal)))
                        {
                            parts[..^1].Should().OnlyContain(p => p.EndsWith(".csproj", StringComparison.Ordinal) || !p.Contains('/'), "before the restore only project files and the root's settings are copied");
                        }

                        break;
                    case "RUN":
                        var (exit, text) = await RunAsync(args.Replace(" /app ", $" {app} ", StringComparison.Ordinal), work);
                        exit.Should().Be(0, $"RUN {args}: {text}");
                        ran.Add(args);
                        break;
                }
            }

            ran.Should().HaveCount(2).And.Satisfy(r => r.StartsWith("dotnet restore", StringComparison.Ordinal), r => r.Contains("--no-restore", StringComparison.Ordinal));
            var files = Directory.GetFiles(app).Select(Path.GetFileName).ToList();
            files.Should().Contain(["vvp-operator.dll", "Vvp.Reconciliation.Kubernetes.dll", "Vvp.Reconciliation.Http.dll"]);
            files.Should().NotContain(f => f!.Contains("Testing", StringComparison.Ordinal) || f.Contains("emulator", StringComparison.OrdinalIgnoreCase) || f.StartsWith("vvp-operator-local", StringComparison.Ordinal));
            var bytes = Directory.GetFiles(app, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            output.WriteLine($"The application layer (/app): {files.Count} files, {bytes / 1024.0 / 1024.0:0.0} MiB.");
            bytes.Should().BeLessThan(40L * 1024 * 1024, "the operator and its libraries; the runtime comes from the base image");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    // A file, or a folder without what .dockerignore leaves out (bin/, obj/).
    private static void Copy(string source, string destination)
    {
        if (File.Exists(source))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(source, destination, overwrite: true);
            return;
        }

        Directory.Exists(source).Should().BeTrue($"COPY {source}: it exists in the repository");
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(s => s is "bin" or "obj"))
            {
                continue;
            }

            Copy(file, Path.Combine(destination, relative));
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string command, string directory)
    {
        var info = new ProcessStartInfo("bash", ["-c", command]) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    [GeneratedRegex(@"^(?<verb>COPY|RUN|WORKDIR) (?<args>[^\n]+)$", RegexOptions.Multiline)]
    private static partial Regex Instruction();
}
