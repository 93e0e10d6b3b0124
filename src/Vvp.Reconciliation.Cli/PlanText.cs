using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Cli;

/// <summary>Writes a plan for people: the action and reason, the request line, the changes, warnings and errors.</summary>
internal static class PlanText
{
    /// <summary>Writes the plan; with the CR's current <paramref name="crSpec"/>, the pending spec update is shown as changes to it.</summary>
    public static void Write(Plan plan, TextWriter output, JsonObject? crSpec = null)
    {
        output.WriteLine($"target:  {DisplayText.Clean(plan.Target?.ToString() ?? "(unknown)", 200)}");
        output.WriteLine($"action:  {plan.Action.ToString().ToLowerInvariant()} ({plan.Reason})");
        if (plan.Request is not null && plan.Target is { } target)
        {
            var path = DisplayText.Clean($"/api/v1/namespaces/{target.Namespace}/deployments", 200);
            output.WriteLine(plan.Action switch
            {
                PlanAction.Create => $"request: POST {path}",
                PlanAction.Patch => $"request: PATCH {path}/{DisplayText.Clean(target.Name, 100)}",
                _ => $"request: PUT {path}/{DisplayText.Clean(target.Name, 100)}",
            });
        }

        if (plan.Diff.Operations.Count > 0)
        {
            output.WriteLine("changes:");
            foreach (var operation in plan.Diff.Operations)
            {
                output.WriteLine("  " + Describe(operation));
            }
        }

        if (plan.Savepoint is { } savepoint)
        {
            output.WriteLine(savepoint.Register
                ? $"savepoint: register {DisplayText.Clean(savepoint.Location, 500)}"
                : $"savepoint: skipped {DisplayText.Clean(savepoint.Location, 500)} ({DisplayText.Clean(string.Join("; ", savepoint.Reasons), 1000)})");
        }

        if (plan.SpecUpdate is not null && crSpec is not null)
        {
            output.WriteLine("spec update: the CR's spec is to be written back:");
            foreach (var operation in JsonPatch.Create(crSpec, plan.SpecUpdate).Operations)
            {
                output.WriteLine("  " + Describe(operation with { Path = "/spec" + operation.Path }));
            }
        }
        else if (plan.SpecUpdate is not null)
        {
            output.WriteLine("spec update: the CR's spec is to be written back (see --output json).");
        }

        WriteMessages(output, "warnings", plan.Warnings);
        WriteMessages(output, "errors", plan.Errors);
    }

    private static string Describe(JsonPatchOperation operation) => DisplayText.Clean(DescribeRaw(operation), 2000);

    private static string DescribeRaw(JsonPatchOperation operation) => operation.Op switch
    {
        JsonPatchOperationType.Add => $"+ {operation.Path} = {Value(operation.Value)}",
        JsonPatchOperationType.Remove => $"- {operation.Path}",
        JsonPatchOperationType.Replace => $"~ {operation.Path} = {Value(operation.Value)}",
        _ => operation.ToString(),
    };

    private static string Value(JsonNode? value)
    {
        var text = value?.ToJsonString() ?? "null";
        return text.Length <= 120 ? text : text[..117] + "...";
    }

    private static void WriteMessages(TextWriter output, string title, IReadOnlyList<ResourceMessage> messages)
    {
        if (messages.Count == 0)
        {
            return;
        }

        output.WriteLine($"{title}:");
        foreach (var message in messages)
        {
            output.WriteLine($"  {DisplayText.Clean(message.ToString(), 2000)}");
        }
    }
}
