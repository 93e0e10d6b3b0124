using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Cli;

/// <summary>
/// <c>vvp-reconcile export</c>: existing platform deployments as <c>VvpDeployment</c> CRs, one file each (or one YAML
/// stream on standard output), stating each deployment exactly: <c>diff</c> then reports them in sync and <c>apply</c>
/// writes nothing.
/// </summary>
internal static class ExportCommand
{
    private static readonly HashSet<string> Options = ["platform", "namespace", "name", "mode", "out", "token-file", "allow-insecure-http"];

    public static async Task<int> RunAsync(string[] args, CliContext context)
    {
        var line = CommandLine.Parse(ReconcileCommand.Flags(args), Options);
        if (line.Positional.Count > 0)
        {
            throw new UsageException($"unexpected argument {InputFiles.Shown(line.Positional[0])}.");
        }

        line.Require("platform");
        var ns = line.Get("namespace") ?? "default";
        if (!VvpDeploymentValidator.IsDns1123Label(ns))
        {
            throw new UsageException($"--namespace {InputFiles.Shown(ns)} is not a platform namespace name (lower case letters, digits and '-').");
        }

        var mode = (line.Get("mode") ?? "PUT").ToUpperInvariant() switch
        {
            "PUT" => SyncingMode.Put,
            "PATCH" => SyncingMode.Patch,
            _ => throw new UsageException("--mode must be PATCH or PUT."),
        };
        var name = line.Get("name");
        var outDir = line.Get("out");
        var token = ReconcileCommand.ReadToken(line.Get("token-file"), context.Environment, context.InputWait);
        var (platform, dispose, _) = ReconcileCommand.OpenPlatform(line.Get("platform"), null, line.Get("allow-insecure-http") is not null, context.InputWait);
        try
        {
            IReadOnlyList<JsonObject> deployments;
            try
            {
                deployments = name is null
                    ? await platform.ListDeploymentsAsync(ns, token, default).ConfigureAwait(false)
                    : await platform.GetDeploymentAsync(ns, name, token, default).ConfigureAwait(false) is { } one ? [one] : [];
            }
            catch (PlatformException ex)
            {
                context.Stderr.WriteLine($"vvp-reconcile: the deployments of namespace {ns} cannot be read: {ex.Kind}: {DisplayText.Clean(ex.Message, DisplayText.DefaultMaxLength, token)}");
                return ExitCodes.Invalid;
            }

            if (name is not null && deployments.Count == 0)
            {
                context.Stderr.WriteLine($"vvp-reconcile: the platform has no deployment {ns}/{DisplayText.Clean(name, 200)}.");
                return ExitCodes.Invalid;
            }

            var planner = new DeploymentPlanner();
            var exit = ExitCodes.Success;
            var written = new HashSet<string>(StringComparer.Ordinal);
            var stream = new System.Text.StringBuilder();
            foreach (var deployment in deployments.OrderBy(d => JsonRead.String(d, "metadata", "name"), StringComparer.Ordinal))
            {
                JsonObject cr;
                try
                {
                    cr = planner.Export(deployment, mode);
                }
                catch (ArgumentException ex)
                {
                    context.Stderr.WriteLine($"vvp-reconcile: a deployment of namespace {ns} is not exported: {ex.Message}");
                    exit = ExitCodes.Invalid;
                    continue;
                }

                var crName = JsonRead.String(cr, "metadata", "name")!;
                var errors = VvpDeploymentResource.FromDocument(cr).Validate().Errors;
                foreach (var error in errors)
                {
                    context.Stderr.WriteLine($"vvp-reconcile: {crName}: {DisplayText.Clean(error.ToString(), 500)}");
                    exit = ExitCodes.Invalid;
                }

                var yaml = $"# {ns}/{DisplayText.Clean(JsonRead.String(deployment, "metadata", "name"), 253)} as the platform holds it\n" + ResourceWriter.ToYaml(cr);
                if (outDir is null)
                {
                    stream.Append(stream.Length > 0 ? "---\n" : string.Empty).Append(yaml);
                    continue;
                }

                if (!written.Add(crName))
                {
                    context.Stderr.WriteLine($"vvp-reconcile: two deployments are exported under the name {crName}; the second is not written.");
                    exit = ExitCodes.Invalid;
                    continue;
                }

                Directory.CreateDirectory(outDir);
                var path = Path.Combine(outDir, crName + ".yaml");
                await File.WriteAllTextAsync(path, yaml).ConfigureAwait(false);
                context.Stdout.WriteLine($"wrote:   {path}");
            }

            if (outDir is null)
            {
                context.Stdout.Write(stream.ToString());
            }
            else
            {
                context.Stdout.WriteLine($"exported {written.Count} deployment(s) of namespace {ns} ({(mode == SyncingMode.Put ? "PUT" : "PATCH")} mode).");
            }

            return exit;
        }
        finally
        {
            dispose?.Dispose();
        }
    }
}
