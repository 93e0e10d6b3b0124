using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;
using YamlDotNet.Serialization;

// Reconciles the documentation's example CRs against the embedded in-memory platform, end to end,
// then reconciles again to show that an in-sync CR costs one read and no write.
foreach (var file in new[] { "test-cr.yaml", "initial-savepoint-cr.yaml" })
{
    Console.WriteLine($"==== {file} ====");
    var read = ResourceReader.Read(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "crs", file)));
    if (!read.IsSuccess)
    {
        read.Errors.ToList().ForEach(e => Console.Error.WriteLine($"{file}: {e}"));
        return 1;
    }

    // A CR as Kubernetes holds it: in a watched namespace, with a generation.
    var document = (JsonObject)read.Document!;
    document["metadata"]!["namespace"] = "vvp-jobs";
    var cr = VvpDeploymentResource.FromDocument(document).WithGeneration(1);
    var validation = cr.Validate();
    Console.WriteLine(validation.IsValid ? "validated: no errors" : "invalid: " + string.Join("; ", validation.Errors));

    var platform = new InMemoryPlatform();
    var options = new ReconcilerOptions { Identity = "vvp-1" };
    options.WatchedNamespaces.Add("vvp-jobs");
    var reconciler = new VvpDeploymentReconciler(platform, options);

    var first = await reconciler.ReconcileAsync(cr);
    Console.WriteLine($"planned:   {first.Plan!.Action.ToString().ToLowerInvariant()} ({first.Plan.Reason}) {first.Plan.Target}");
    foreach (var call in platform.Calls)
    {
        Console.WriteLine($"platform:  {call.Operation} {call.Namespace}/{call.Name}{(call.Body is null ? string.Empty : " " + call.Body.ToJsonString())}");
    }

    foreach (var e in first.Events)
    {
        Console.WriteLine($"event:     {e.Type} {e.Reason}: {e.Message}");
    }

    cr = cr.WithStatus(first.Status);
    Console.WriteLine("status:");
    Console.WriteLine(Yaml(cr.Status!));

    platform.ClearCalls();
    var second = await reconciler.ReconcileAsync(cr);
    Console.WriteLine($"again:     {second.Plan!.Action.ToString().ToLowerInvariant()} ({second.Plan.Reason}); platform calls: {string.Join(", ", platform.Calls.Select(c => c.Operation))}; writes: {platform.WriteCount}; status changed: {second.StatusChanged}");
    Console.WriteLine();
}

// The pure planner alone: the same CR against no deployment, and against one edited in the UI.
var testCr = VvpDeploymentResource.FromDocument(ResourceReader.Read(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "crs", "test-cr.yaml"))).Document);
var edited = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "live", "test-cr-edited.json")))!;
var planner = new Vvp.Reconciliation.Planning.DeploymentPlanner();
Console.WriteLine("==== plan: test-cr against no deployment ====");
Console.WriteLine(planner.Plan(testCr, null).Request!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine("==== plan: test-cr against a deployment edited in the UI (initFields are not applied again) ====");
var drift = planner.Plan(testCr, edited);
Console.WriteLine($"{drift.Action.ToString().ToLowerInvariant()} ({drift.Reason}): {drift.Request!.ToJsonString()}");
foreach (var operation in drift.Diff.Operations)
{
    Console.WriteLine($"  {operation}: {operation.Value?.ToJsonString()}");
}

return 0;

static string Yaml(JsonNode node) => new SerializerBuilder().Build().Serialize(Plain(node)).TrimEnd();

static object? Plain(JsonNode? node) => node switch
{
    JsonObject o => o.ToDictionary(p => p.Key, p => Plain(p.Value)),
    JsonArray a => a.Select(Plain).ToList(),
    JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
    JsonValue v => JsonSerializer.Deserialize<object>(v.ToJsonString())?.ToString(),
    _ => null,
};
