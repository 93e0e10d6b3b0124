using System.Diagnostics;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>
/// Renders the chart as <c>helm template</c> does, with <c>../shared/tools/helm-render</c> (Go text/template and sprig):
/// the binary <c>.ci/run</c> builds (<c>VVP_HELM_RENDER</c>), or one built here once when Go is at hand. Where neither is
/// possible the test skips with the reason; under <c>CI=true</c> it fails.
/// </summary>
internal static class HelmRender
{
    private static readonly Lazy<string?> LazyBinary = new(Find);

    public static string Chart { get; } = Path.Combine(SharedFolder.RepositoryRoot(), "charts", "vvp-operator");

    public static string Require()
    {
        var binary = LazyBinary.Value;
        if (binary is null)
        {
            SharedFolder.IsCi.Should().BeFalse("under CI=true .ci/run builds helm-render (VVP_HELM_RENDER)");
            Skip.If(true, "helm-render is not built and Go is not installed (.ci/run installs golang-go and builds it).");
        }

        return binary!;
    }

    /// <summary>Renders the chart with <paramref name="values"/> (YAML) over its values.yaml: the documents, or the renderer's error.</summary>
    public static async Task<(IReadOnlyList<JsonObject> Documents, string Error)> RenderAsync(string? values = null)
    {
        var binary = Require();
        var file = Path.Combine(Path.GetTempPath(), $"vvp-values-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, values ?? string.Empty);
        try
        {
            var info = new ProcessStartInfo(binary, ["-name", "vvp-operator", "-namespace", "vvp-operator", "-f", file, Chart]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (process.ExitCode != 0)
            {
                return ([], await stderr);
            }

            var documents = ResourceReader.ReadAll(await stdout);
            documents.Where(d => !d.IsSuccess).Should().BeEmpty("the rendered chart is YAML");
            return ([.. documents.Select(d => d.Document).OfType<JsonObject>()], string.Empty);
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static JsonObject Single(IReadOnlyList<JsonObject> documents, string kind, string? nameSuffix = null) =>
        documents.Single(d => d["kind"]?.GetValue<string>() == kind && (nameSuffix is null || d["metadata"]!["name"]!.GetValue<string>().EndsWith(nameSuffix, StringComparison.Ordinal)));

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("VVP_HELM_RENDER") is { Length: > 0 } given && File.Exists(given))
        {
            return given;
        }

        var go = ExecutablePath.Find("go");
        if (go is null || SharedFolder.Root is not { } shared || !File.Exists(Path.Combine(shared, "tools", "helm-render", "build.sh")))
        {
            return null;
        }

        var output = Path.Combine(Directory.CreateTempSubdirectory("vvp-helm-render-").FullName, "helm-render");
        using var build = Process.Start(new ProcessStartInfo("bash", [Path.Combine(shared, "tools", "helm-render", "build.sh"), output]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        build.StandardOutput.ReadToEnd();
        build.StandardError.ReadToEnd();
        build.WaitForExit();
        return build.ExitCode == 0 && File.Exists(output) ? output : null;
    }
}
