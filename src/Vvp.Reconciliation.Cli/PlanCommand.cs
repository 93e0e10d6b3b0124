using System.Text.Json.Nodes;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Cli;

/// <summary><c>vvp-reconcile plan</c>: offline planning of one CR.</summary>
internal static class PlanCommand
{
    private static readonly HashSet<string> Options = ["cr", "live", "identity", "output"];

    public static int Run(string[] args, TextWriter stdout)
    {
        var line = CommandLine.Parse(args, Options);
        if (line.Positional.Count > 0)
        {
            throw new UsageException($"unexpected argument '{line.Positional[0]}'.");
        }

        var crPath = line.Require("cr");
        var output = line.Get("output") ?? "text";
        if (output is not ("text" or "json"))
        {
            throw new UsageException("--output must be 'text' or 'json'.");
        }

        var identity = line.Get("identity") ?? PlannerOptions.Default.Identity;
        if (string.IsNullOrWhiteSpace(identity))
        {
            throw new UsageException("--identity must not be empty.");
        }

        var crBytes = InputFiles.ReadBytes(crPath);
        var live = line.Get("live") is { } livePath ? InputFiles.ReadLive(livePath) : null;
        var plan = Plan(crBytes, live, new PlannerOptions { Identity = identity });

        if (output == "json")
        {
            stdout.WriteLine(plan.ToJsonString(indented: true));
        }
        else
        {
            PlanText.Write(plan, stdout);
        }

        return plan.Reason == PlanReasons.Invalid ? ExitCodes.Invalid : ExitCodes.Success;
    }

    public static Plan Plan(byte[] crBytes, JsonObject? live, PlannerOptions options)
    {
        var read = ResourceReader.Read(crBytes);
        if (!read.IsSuccess)
        {
            return Planning.Plan.Unreadable(read.Errors);
        }

        if (read.Document is not JsonObject document)
        {
            return Planning.Plan.Unreadable([new ResourceMessage(string.Empty, "A VvpDeployment must be an object (a YAML mapping).")]);
        }

        return new DeploymentPlanner(options).Plan(VvpDeploymentResource.FromDocument(document), live);
    }
}
