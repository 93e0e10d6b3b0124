using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Cli;

/// <summary><c>vvp-reconcile diff</c> and <c>apply</c>: CR files or folders against a platform URL or the embedded in-memory platform.</summary>
internal static class ReconcileCommand
{
    private const int Changes = 3;
    private static readonly HashSet<string> Options = ["cr", "platform", "state", "identity", "token-file", "output", "allow-insecure-http", "dry-run"];
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args, CliContext context, bool apply)
    {
        var line = CommandLine.Parse(Flags(args), Options, new HashSet<string> { "cr" });
        if (line.Positional.Count > 0)
        {
            throw new UsageException($"unexpected argument '{line.Positional[0]}'.");
        }

        var output = line.Get("output") ?? "text";
        if (output is not ("text" or "json"))
        {
            throw new UsageException("--output must be 'text' or 'json'.");
        }

        if (line.Get("platform") is not null && line.Get("state") is not null)
        {
            throw new UsageException("--state keeps the embedded platform between runs; it does not go with --platform.");
        }

        apply &= line.Get("dry-run") is null;
        line.Require("cr");
        var files = line.GetAll("cr").SelectMany(CrFiles).ToList();
        var token = ReadToken(line.Get("token-file"), context.Environment);
        var identity = line.Get("identity") ?? "vvp-1";
        if (string.IsNullOrWhiteSpace(identity))
        {
            throw new UsageException("--identity must not be empty.");
        }

        var (platform, dispose, save) = OpenPlatform(line.Get("platform"), line.Get("state"), line.Get("allow-insecure-http") is not null);
        try
        {
            var client = new TokenOverride(platform, token);
            var reports = new JsonArray();
            var exit = ExitCodes.Success;
            var total = files.Sum(f => f.Documents.Count);
            var index = 0;
            foreach (var (file, documents) in files)
            {
                foreach (var read in documents)
                {
                    index++;
                    if (context.StderrIsTerminal)
                    {
                        context.Stderr.WriteLine($"[{index}/{total}] {file}");
                    }

                    var (code, report) = await ProcessAsync(file, read, client, identity, apply, output == "text" ? context.Stdout : null).ConfigureAwait(false);
                    reports.Add(report);
                    exit = Worse(exit, code);
                }
            }

            if (output == "json")
            {
                context.Stdout.WriteLine(reports.ToJsonString(Indented));
            }

            save?.Invoke();
            return exit;
        }
        finally
        {
            dispose?.Dispose();
        }
    }

    private static async Task<(int Code, JsonNode Report)> ProcessAsync(string file, ResourceReadResult read, IPlatformClient platform, string identity, bool apply, TextWriter? text)
    {
        if (!read.IsSuccess || read.Document is not JsonObject document)
        {
            var errors = read.IsSuccess ? [new ResourceMessage(string.Empty, "A VvpDeployment must be an object (a YAML mapping).")] : read.Errors;
            var unreadable = Plan.Unreadable(errors);
            Print(text, file, unreadable, null);
            return (ExitCodes.Invalid, Report(file, unreadable, null));
        }

        var cr = VvpDeploymentResource.FromDocument(document);
        var options = new ReconcilerOptions { Identity = identity, TransientRetries = 2 };
        options.WatchedNamespaces.Add(VvpDeploymentValidator.IsDns1123Label(cr.KubernetesNamespace) ? cr.KubernetesNamespace : "default");
        var reconciler = new VvpDeploymentReconciler(platform, options);
        if (!cr.Validate().IsValid || cr.Target is not { } target)
        {
            var invalid = reconciler.Planner.Plan(cr, null);
            Print(text, file, invalid, null);
            return (ExitCodes.Invalid, Report(file, invalid, null));
        }

        if (!apply)
        {
            JsonObject? live;
            try
            {
                var credential = await CredentialResolver.ResolveAsync(cr, null, false, default).ConfigureAwait(false);
                live = await platform.GetDeploymentAsync(target.Namespace, target.Name, credential.Token, default).ConfigureAwait(false);
            }
            catch (PlatformException ex)
            {
                text?.WriteLine($"{file}: {target}: cannot read the deployment: {ex.Kind}: {ex.Message}");
                return (ExitCodes.Invalid, new JsonObject { ["file"] = file, ["error"] = $"{ex.Kind}: {ex.Message}" });
            }

            var plan = reconciler.Planner.Plan(cr, live);
            Print(text, file, plan, null);
            return (plan.Writes || plan.Savepoint?.Register == true ? Changes : ExitCodes.Success, Report(file, plan, null));
        }

        var result = await reconciler.ReconcileAsync(cr).ConfigureAwait(false);
        Print(text, file, result.Plan, result);
        var synced = StatusProjection.Condition(result.Status, "Synced");
        var failed = JsonRead.String(synced, "status") == "False" && result.Plan?.Reason != PlanReasons.Idle;
        return (failed ? ExitCodes.Invalid : ExitCodes.Success, Report(file, result.Plan, result));
    }

    private static void Print(TextWriter? text, string file, Plan? plan, ReconcileResult? result)
    {
        if (text is null)
        {
            return;
        }

        text.WriteLine($"== {file}");
        if (plan is not null)
        {
            PlanText.Write(plan, text);
        }

        if (result is null)
        {
            return;
        }

        foreach (var e in result.Events)
        {
            text.WriteLine($"event:   {e.Type} {e.Reason}: {e.Message}");
        }

        var synced = StatusProjection.Condition(result.Status, "Synced");
        text.WriteLine($"outcome: {result.Writes} write(s); Synced={JsonRead.String(synced, "status") ?? "Unknown"} ({JsonRead.String(synced, "reason")}): {JsonRead.String(synced, "message")}");
    }

    private static JsonObject Report(string file, Plan? plan, ReconcileResult? result)
    {
        var report = new JsonObject { ["file"] = file, ["plan"] = plan?.ToJsonNode() };
        if (result is not null)
        {
            report["writes"] = result.Writes;
            report["events"] = JsonSerializer.SerializeToNode(result.Events.Select(e => new Dictionary<string, string> { ["type"] = e.Type, ["reason"] = e.Reason, ["message"] = e.Message }).ToList(), CliJsonContext.Default.ListDictionaryStringString);
            report["status"] = result.Status?.DeepClone();
        }

        return report;
    }

    private static int Worse(int a, int b) => Rank(b) > Rank(a) ? b : a;

    private static int Rank(int code) => code switch
    {
        ExitCodes.Success => 0,
        Changes => 1,
        _ => 2,
    };

    // --allow-insecure-http and --dry-run are flags: give them a value so the parser takes them.
    private static IEnumerable<string> Flags(string[] args)
    {
        foreach (var arg in args)
        {
            yield return arg;
            if (arg is "--allow-insecure-http" or "--dry-run")
            {
                yield return "true";
            }
        }
    }

    private static List<(string File, IReadOnlyList<ResourceReadResult> Documents)> CrFiles(string path)
    {
        IEnumerable<string> files;
        if (Directory.Exists(path))
        {
            files = Directory.EnumerateFiles(path)
                .Where(f => Path.GetExtension(f).ToLowerInvariant() is ".yaml" or ".yml" or ".json")
                .Order(StringComparer.Ordinal);
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new FileError($"{path}: no such file or folder.");
        }

        var result = files.Select(f => (f, ResourceReader.ReadAll(InputFiles.ReadBytes(f)))).ToList();
        return result.Count == 0 ? throw new FileError($"{path}: no .yaml, .yml or .json files.") : result;
    }

    private static ApiToken? ReadToken(string? tokenFile, Func<string, string?> environment)
    {
        if (tokenFile is not null)
        {
            return ApiToken.FromBytes(InputFiles.ReadBytes(tokenFile)) ?? throw new FileError($"{tokenFile}: the token file is empty.");
        }

        return ApiToken.From(environment("VVP_API_TOKEN"));
    }

    private static (IPlatformClient Platform, IDisposable? Dispose, Action? Save) OpenPlatform(string? url, string? statePath, bool allowInsecureHttp)
    {
        if (url is not null)
        {
            if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var address))
            {
                throw new UsageException($"--platform '{url}' is not an absolute URL.");
            }

            try
            {
                var (client, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = address, AllowInsecureHttp = allowInsecureHttp });
                return (client, http, null);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message);
            }
        }

        var platform = new InMemoryPlatform();
        if (statePath is null)
        {
            return (platform, null, null);
        }

        if (File.Exists(statePath))
        {
            var read = ResourceReader.Read(InputFiles.ReadBytes(statePath), new ResourceReaderOptions { MaxBytes = 256 * 1024 * 1024, MaxNodes = 10_000_000 });
            if (read.Document is not JsonObject state)
            {
                throw new FileError($"{statePath}: not a saved platform state.");
            }

            try
            {
                platform.ImportState(state);
            }
            catch (ArgumentException ex)
            {
                throw new FileError($"{statePath}: {ex.Message}");
            }
        }

        return (platform, null, () => File.WriteAllText(statePath, platform.ExportState().ToJsonString(Indented)));
    }

    /// <summary>Uses the token given to the command for every call (the CR's inline token otherwise).</summary>
    private sealed class TokenOverride(IPlatformClient inner, ApiToken? token) : IPlatformClient
    {
        public Task<JsonObject?> GetDeploymentAsync(string ns, string name, ApiToken? callToken, CancellationToken cancellationToken) =>
            inner.GetDeploymentAsync(ns, name, token ?? callToken, cancellationToken);

        public Task<IReadOnlyList<JsonObject>> ListDeploymentsAsync(string ns, ApiToken? callToken, CancellationToken cancellationToken) =>
            inner.ListDeploymentsAsync(ns, token ?? callToken, cancellationToken);

        public Task<JsonObject> CreateDeploymentAsync(string ns, JsonObject deployment, ApiToken? callToken, CancellationToken cancellationToken) =>
            inner.CreateDeploymentAsync(ns, deployment, token ?? callToken, cancellationToken);

        public Task<JsonObject> PatchDeploymentAsync(string ns, string name, JsonObject patch, ApiToken? callToken, CancellationToken cancellationToken) =>
            inner.PatchDeploymentAsync(ns, name, patch, token ?? callToken, cancellationToken);

        public Task<JsonObject> ReplaceDeploymentAsync(string ns, string name, JsonObject deployment, ApiToken? callToken, CancellationToken cancellationToken) =>
            inner.ReplaceDeploymentAsync(ns, name, deployment, token ?? callToken, cancellationToken);

        public Task DeleteDeploymentAsync(string ns, string name, ApiToken? callToken, CancellationToken cancellationToken) =>
            inner.DeleteDeploymentAsync(ns, name, token ?? callToken, cancellationToken);

        public Task<IReadOnlyList<JsonObject>> ListSavepointsAsync(string ns, string deploymentId, ApiToken? callToken, CancellationToken cancellationToken) =>
            inner.ListSavepointsAsync(ns, deploymentId, token ?? callToken, cancellationToken);

        public Task<JsonObject> CreateSavepointAsync(string ns, JsonObject savepoint, ApiToken? callToken, CancellationToken cancellationToken) =>
            inner.CreateSavepointAsync(ns, savepoint, token ?? callToken, cancellationToken);
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<Dictionary<string, string>>))]
internal sealed partial class CliJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
