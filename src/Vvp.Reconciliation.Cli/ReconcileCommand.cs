using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Cli;

/// <summary><c>vvp-reconcile diff</c> and <c>apply</c>: CR files or folders against a platform URL or the embedded in-memory platform.</summary>
internal static class ReconcileCommand
{
    private const int Changes = 3;
    private static readonly HashSet<string> Options = ["cr", "platform", "state", "identity", "token-file", "output", "allow-insecure-http", "dry-run", "no-write-back"];
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static async Task<int> RunAsync(string[] args, CliContext context, bool apply)
    {
        var line = CommandLine.Parse(Flags(args), Options, new HashSet<string> { "cr" });
        if (line.Positional.Count > 0)
        {
            throw new UsageException($"unexpected argument {InputFiles.Shown(line.Positional[0])}; CR files are given with --cr.");
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
        // diff plans as apply would, writing back or not as the same flags say.
        var noWriteBack = line.Get("no-write-back") is not null;
        var writeBack = apply && !noWriteBack;
        line.Require("cr");
        var files = line.GetAll("cr").SelectMany(path => CrFiles(path, context.InputWait)).ToList();
        var token = ReadToken(line.Get("token-file"), context.Environment, context.InputWait);
        var identity = line.Get("identity") ?? "vvp-1";
        if (string.IsNullOrWhiteSpace(identity))
        {
            throw new UsageException("--identity must not be empty.");
        }

        var (platform, dispose, save) = OpenPlatform(line.Get("platform"), line.Get("state"), line.Get("allow-insecure-http") is not null, context.InputWait);
        try
        {
            var reports = new JsonArray();
            var exit = ExitCodes.Success;
            var total = files.Sum(f => f.Documents.Count);
            var index = 0;
            var text = output == "text" ? context.Stdout : null;
            foreach (var (file, bytes, documents) in files)
            {
                if (documents.Count == 0)
                {
                    // An empty file applied is a mistake to report, as validate does, not a silent success.
                    text?.WriteLine($"== {Clean(file)}");
                    text?.WriteLine("errors:\n  /: The file holds no document.");
                    reports.Add((JsonNode)new JsonObject { ["file"] = file, ["error"] = "The file holds no document." });
                    exit = Worse(exit, ExitCodes.Invalid);
                    continue;
                }

                var updates = new Dictionary<int, JsonNode?>();
                for (var document = 0; document < documents.Count; document++)
                {
                    index++;
                    if (context.StderrIsTerminal)
                    {
                        context.Stderr.WriteLine($"[{index}/{total}] {file}");
                    }

                    var (code, report, specUpdate) = await ProcessAsync(file, documents[document], platform, token, identity, apply, !noWriteBack, text).ConfigureAwait(false);
                    reports.Add((JsonNode)report);
                    exit = Worse(exit, code);
                    if (specUpdate is not null && writeBack)
                    {
                        var updated = documents[document].Document!.DeepClone().AsObject();
                        updated["spec"] = specUpdate.DeepClone();
                        updates[document] = updated;
                        report["wroteBack"] = true;
                    }
                    else if (specUpdate is not null && apply)
                    {
                        text?.WriteLine($"spec update: not written back into {file} (--no-write-back); a later PUT that would remove the fields adoption synced back is refused.");
                    }
                }

                if (updates.Count > 0)
                {
                    WriteBack(file, bytes, updates);
                    text?.WriteLine($"wrote:   {file}: the spec update of {updates.Count} document(s) (document {string.Join(", ", updates.Keys.Select(k => k + 1))} of {documents.Count}) written back; other documents untouched.");
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

    private static async Task<(int Code, JsonObject Report, JsonObject? SpecUpdate)> ProcessAsync(string file, ResourceReadResult read, IPlatformClient platform, ApiToken? token, string identity, bool apply, bool writeBack, TextWriter? text)
    {
        if (!read.IsSuccess || read.Document is not JsonObject document)
        {
            var errors = read.IsSuccess ? [new ResourceMessage(string.Empty, "A VvpDeployment must be an object (a YAML mapping).")] : read.Errors;
            var unreadable = Plan.Unreadable(errors);
            Print(text, file, unreadable, null);
            return (ExitCodes.Invalid, Report(file, unreadable, null), null);
        }

        var cr = VvpDeploymentResource.FromDocument(document);
        var options = new ReconcilerOptions { Identity = identity, TransientRetries = 2, SpecWriteBack = writeBack ? SpecWriteBack.Write : SpecWriteBack.Report };
        options.WatchedNamespaces.Add(VvpDeploymentValidator.IsDns1123Label(cr.KubernetesNamespace) ? cr.KubernetesNamespace : "default");
        var reconciler = new VvpDeploymentReconciler(platform, options);
        if (!cr.Validate().IsValid || cr.Target is not { } target)
        {
            var invalid = reconciler.Planner.Plan(cr, null);
            Print(text, file, invalid, null);
            return (ExitCodes.Invalid, Report(file, invalid, null), null);
        }

        // diff and apply run the same reconcile, diff as a dry run: the same reads, the same checks of an owed savepoint
        // registration and of the last-applied record, so the two agree on "in sync" by construction.
        var result = await reconciler.ReconcileAsync(cr, new ReconcileContext { DryRun = !apply, Token = token }).ConfigureAwait(false);
        // A pipeline has no next reconcile: a savepoint registration still owed (it failed) is a failure of this run.
        var owed = result.Events.Any(e => e.Reason == "SavepointPending");
        if (!apply)
        {
            if (result.Plan is null)
            {
                var synced = VvpDeploymentStatus.From(result.Status).Synced;
                var message = $"{synced?.Reason}: {synced?.Message}";
                text?.WriteLine($"{Clean(file)}: {target}: cannot be compared: {Clean(message)}");
                return (ExitCodes.Invalid, new JsonObject { ["file"] = file, ["error"] = Clean(message) }, null);
            }

            var plan = result.Plan;
            Print(text, file, plan, null, cr);
            var changes = plan.IsWrite || plan.Savepoint?.Register == true || plan.SpecUpdate is not null;
            return (plan.Action == PlanAction.Blocked || result.IsFailure || owed ? ExitCodes.Invalid : changes ? Changes : ExitCodes.Success, Report(file, plan, null), null);
        }

        Print(text, file, result.Plan, result, cr);
        return (result.IsFailure || owed ? ExitCodes.Invalid : ExitCodes.Success, Report(file, result.Plan, result), result.SpecUpdate);
    }

    // The file is replaced whole (a temporary file renamed over it), so a crash never leaves half a file.
    private static void WriteBack(string file, byte[] bytes, Dictionary<int, JsonNode?> updates)
    {
        var bom = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]);
        var text = System.Text.Encoding.UTF8.GetString(bom ? bytes.AsSpan(3) : bytes);
        var updated = ResourceWriter.ReplaceDocuments(text, updates);
        var temporary = file + ".vvp-reconcile.tmp";
        try
        {
            File.WriteAllText(temporary, updated, new System.Text.UTF8Encoding(bom));
            File.Move(temporary, file, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new FileError($"{file}: the spec update could not be written back: {ex.Message}");
        }
    }

    private static void Print(TextWriter? text, string file, Plan? plan, ReconcileResult? result, VvpDeploymentResource? cr = null)
    {
        if (text is null)
        {
            return;
        }

        text.WriteLine($"== {Clean(file)}");
        if (plan is not null)
        {
            PlanText.Write(plan, text, JsonRead.Object(cr?.ToJsonNode(), "spec"));
        }

        if (result is null)
        {
            return;
        }

        foreach (var e in result.Events)
        {
            text.WriteLine($"event:   {e.Type} {e.Reason}: {Clean(e.Message)}");
        }

        var synced = VvpDeploymentStatus.From(result.Status).Synced;
        text.WriteLine($"outcome: {result.Writes} write(s); Synced={Clean(synced?.Status ?? "Unknown")} ({Clean(synced?.Reason)}): {Clean(synced?.Message)}");
    }

    // Text from files and from the platform: one line, no escape sequences, bounded.
    private static string Clean(string? text) => DisplayText.Clean(text, 2000);

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
    internal static IEnumerable<string> Flags(string[] args)
    {
        foreach (var arg in args)
        {
            yield return arg;
            if (arg is "--allow-insecure-http" or "--dry-run" or "--no-write-back")
            {
                yield return "true";
            }
        }
    }

    private static List<(string File, byte[] Bytes, IReadOnlyList<ResourceReadResult> Documents)> CrFiles(string path, TimeSpan? wait)
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

        var result = files.Select(f => InputFiles.ReadBytes(f, wait: wait) is var bytes ? (f, bytes, ResourceReader.ReadAll(bytes)) : default).ToList();
        return result.Count == 0 ? throw new FileError($"{path}: no .yaml, .yml or .json files.") : result;
    }

    // The token file's path is never shown: a token given there by mistake must not be echoed.
    internal static ApiToken? ReadToken(string? tokenFile, Func<string, string?> environment, TimeSpan? wait)
    {
        try
        {
            if (tokenFile is not null)
            {
                return ApiToken.FromBytes(InputFiles.ReadBytes(tokenFile, 64 * 1024, wait, shownAs: "--token-file"))
                    ?? throw new FileError("--token-file: the token file is empty.");
            }

            return ApiToken.From(environment("VVP_API_TOKEN"));
        }
        catch (FormatException ex)
        {
            throw new FileError($"{(tokenFile is null ? "VVP_API_TOKEN" : "--token-file")}: {ex.Message}");
        }
    }

    internal static (IPlatformClient Platform, IDisposable? Dispose, Action? Save) OpenPlatform(string? url, string? statePath, bool allowInsecureHttp, TimeSpan? wait)
    {
        if (url is not null)
        {
            if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            {
                throw new UsageException("--platform is not an absolute http:// or https:// URL.");
            }

            if (address.UserInfo.Length > 0)
            {
                // Credentials travel as a token, never in the URL; the URL is not shown since it holds them.
                throw new UsageException("--platform holds user-info (user:password@); give the token with --token-file or VVP_API_TOKEN instead.");
            }

            if (!new VvpPlatformClientOptions { AllowInsecureHttp = allowInsecureHttp }.IsAllowed(address))
            {
                throw new UsageException($"the platform address {VvpPlatformClientOptions.Origin(address)} is not HTTPS: API tokens travel only over HTTPS, or to loopback. Pass --allow-insecure-http to allow it.");
            }

            var (client, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = address, AllowInsecureHttp = allowInsecureHttp });
            return (client, http, null);
        }

        var platform = new InMemoryPlatform();
        if (statePath is null)
        {
            return (platform, null, null);
        }

        if (File.Exists(statePath))
        {
            var stateLimits = new ResourceReaderOptions { MaxBytes = 256 * 1024 * 1024, MaxNodes = 10_000_000 };
            var read = ResourceReader.Read(InputFiles.ReadBytes(statePath, stateLimits.MaxBytes, wait), stateLimits);
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

}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<Dictionary<string, string>>))]
internal sealed partial class CliJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
