using System.Text.Json.Nodes;
using Vvp.Reconciliation;
using Vvp.Reconciliation.Planning;

// Plans the documentation's example CR twice: against no deployment (a create, with initFields applied)
// and against a live deployment that was edited in the UI (a patch of only the fields the CR owns).
var folder = AppContext.BaseDirectory;
var read = ResourceReader.Read(File.ReadAllText(Path.Combine(folder, "crs", "test-cr.yaml")));
if (!read.IsSuccess)
{
    read.Errors.ToList().ForEach(e => Console.Error.WriteLine(e));
    return 1;
}

var cr = VvpDeploymentResource.FromDocument(read.Document);
var live = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "live", "test-cr.json")))!;
var planner = new DeploymentPlanner(new PlannerOptions { Identity = "vvp-1" });

Console.WriteLine("== The documentation's test-cr against no deployment ==");
Console.WriteLine(planner.Plan(cr, live: null).ToJsonString(indented: true));
Console.WriteLine();
Console.WriteLine("== The same CR against a live deployment edited in the UI ==");
Console.WriteLine(planner.Plan(cr, live).ToJsonString(indented: true));
return 0;
