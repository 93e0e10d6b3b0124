using System.Text.Json.Nodes;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Cli;

/// <summary><c>vvp-reconcile validate</c>: each file's errors as <c>file: /json/pointer: message</c>.</summary>
internal static class ValidateCommand
{
    public static int Run(string[] args, TextWriter stdout)
    {
        var line = CommandLine.Parse(args, new HashSet<string> { "output" });
        if (line.Positional.Count == 0)
        {
            throw new UsageException("validate needs at least one file.");
        }

        var output = line.Get("output") ?? "text";
        if (output is not ("text" or "json"))
        {
            throw new UsageException("--output must be 'text' or 'json'.");
        }

        var invalid = false;
        var reports = new JsonArray();
        foreach (var path in line.Positional)
        {
            var documents = ResourceReader.ReadAll(InputFiles.ReadBytes(path));
            if (documents.Count == 0)
            {
                Report(path, 0, [new ResourceMessage(string.Empty, "The file holds no document.")]);
            }

            for (var i = 0; i < documents.Count; i++)
            {
                var read = documents[i];
                Report(path, documents.Count > 1 ? i + 1 : 0, read.IsSuccess ? VvpDeploymentValidator.Validate(read.Document).Errors : read.Errors);
            }
        }

        if (output == "json")
        {
            stdout.WriteLine(reports.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        }

        return invalid ? ExitCodes.Invalid : ExitCodes.Success;

        void Report(string path, int document, IReadOnlyList<ResourceMessage> errors)
        {
            invalid |= errors.Count > 0;
            if (output == "json")
            {
                reports.Add((JsonNode)new JsonObject
                {
                    ["file"] = path,
                    ["document"] = document == 0 ? null : document,
                    ["valid"] = errors.Count == 0,
                    ["errors"] = new JsonArray([.. errors.Select(e => (JsonNode)new JsonObject { ["path"] = e.Path, ["message"] = e.Message })]),
                });
                return;
            }

            // Files with several YAML documents name each one: file#2.
            var name = DisplayText.Clean(document == 0 ? path : $"{path}#{document}", 1000);
            foreach (var error in errors)
            {
                stdout.WriteLine($"{name}: {DisplayText.Clean(error.ToString(), 2000)}");
            }

            if (errors.Count == 0)
            {
                stdout.WriteLine($"{name}: valid");
            }
        }
    }
}
