using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Http;

/// <summary>
/// The adapter and the emulator against the platform's own API specifications (Swagger 2.0, versions 2.4.3, 2.6.2 and
/// 2.7.1, in ../shared/reference/appmanager-swagger): every request the adapter sends — path, verb, query parameters,
/// body — exists and validates in each version, and every answer the emulator gives validates against the response schema.
/// </summary>
public sealed class SwaggerContractTests
{
    public static TheoryData<string> Versions() => ["2.4.3", "2.6.2", "2.7.1"];

    private static readonly Lazy<Task<List<EmulatorExchange>>> Traffic = new(RecordTrafficAsync);

    // Drives every kind of request the library sends: create with an initial savepoint (savepoint list and
    // registration), the applied record, a drift patch, a PUT, a list, a cancel and a delete, the version read.
    private static async Task<List<EmulatorExchange>> RecordTrafficAsync()
    {
        await using var emulator = await PlatformEmulator.StartAsync(new InMemoryPlatform(new InMemoryPlatformOptions { TransitionDuration = TimeSpan.Zero }));
        var (client, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = emulator.BaseAddress });
        using var _ = http;
        var options = new ReconcilerOptions { DeletionPolicy = DeletionPolicy.Delete, TransientRetries = 0 };
        options.WatchedNamespaces.Add("default");
        var reconciler = new VvpDeploymentReconciler(client, options);

        var withSavepoint = TestCrs.Cr("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://bucket/sp-1"}}}""");
        (await reconciler.ReconcileAsync(withSavepoint)).Writes.Should().BeGreaterThanOrEqualTo(3, "create, savepoint, record");
        (await reconciler.ReconcileAsync(TestCrs.Cr("""{"spec":{"deployment":{"spec":{"maxJobCreationAttempts":5}}}}"""))).Plan!.Action.Should().Be(Vvp.Reconciliation.Planning.PlanAction.Patch);
        (await reconciler.ReconcileAsync(TestCrs.PutCr("""{"spec":{"deployment":{"spec":{"state":"RUNNING"}}}}"""))).Plan!.Action.Should().Be(Vvp.Reconciliation.Planning.PlanAction.Replace);
        await client.ListDeploymentsAsync("default", null, default);
        var running = TestCrs.PutCr("""{"spec":{"deployment":{"spec":{"state":"RUNNING"}}}}""");
        for (var i = 0; i < 5 && !(await reconciler.DeleteAsync(running)).Finished; i++)
        {
            await Task.Delay(50);
        }

        emulator.Exchanges.Should().Contain(e => e.Method == "DELETE");
        return [.. emulator.Exchanges];
    }

    private static JsonObject Specification(string version) =>
        (JsonObject)JsonNode.Parse(File.ReadAllText(SharedFolder.Require("reference", "appmanager-swagger", $"appmanager-{version}.json")))!;

    // A schema that resolves the specification's "#/definitions/…" references, in a dialect that knows "definitions".
    private static JsonSchema SchemaFor(JsonObject specification, JsonNode reference)
    {
        var document = new JsonObject
        {
            ["$schema"] = "http://json-schema.org/draft-07/schema#",
            ["definitions"] = specification["definitions"]!.DeepClone(),
            ["allOf"] = new JsonArray(reference.DeepClone()),
        };
        return JsonSchema.FromText(document.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
    }

    private static (string Template, JsonObject Operation)? Find(JsonObject specification, string method, string path)
    {
        foreach (var (template, item) in specification["paths"]!.AsObject())
        {
            var pattern = "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "$";
            if (Regex.IsMatch(path, pattern) && item![method.ToLowerInvariant()] is JsonObject operation)
            {
                return (template, operation);
            }
        }

        return null;
    }

    private static void Validate(JsonSchema schema, JsonNode? instance, string what)
    {
        var element = JsonSerializer.SerializeToElement(instance);
        var result = schema.Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"));
        result.IsValid.Should().BeTrue($"{what} must validate; errors: {string.Join(" | ", errors)}; instance: {instance?.ToJsonString()}");
    }

    [SkippableTheory]
    [MemberData(nameof(Versions))]
    public async Task Every_request_the_adapter_sends_exists_and_validates_in_the_specification(string version)
    {
        var specification = Specification(version);
        var traffic = await Traffic.Value;

        traffic.Select(e => e.Method).Distinct().Should().Contain(["GET", "POST", "PATCH", "PUT", "DELETE"]);
        foreach (var exchange in traffic)
        {
            var found = Find(specification, exchange.Method, exchange.Path);
            found.Should().NotBeNull($"{exchange.Method} {exchange.Path} must be an operation of the {version} API");
            var (template, operation) = found!.Value;
            var parameters = operation["parameters"]?.AsArray().OfType<JsonObject>().ToList() ?? [];

            foreach (var name in Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(exchange.Query).Keys)
            {
                parameters.Should().Contain(p => (string?)p["in"] == "query" && (string?)p["name"] == name, $"{exchange.Method} {template} declares the query parameter {name} in {version}");
            }

            var body = parameters.FirstOrDefault(p => (string?)p["in"] == "body");
            if (exchange.RequestBody is not null)
            {
                body.Should().NotBeNull($"{exchange.Method} {template} takes a body in {version}");
                Validate(SchemaFor(specification, body!["schema"]!), exchange.RequestBody, $"the {exchange.Method} {template} body ({version})");
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Versions))]
    public async Task Every_answer_of_the_emulator_validates_against_the_response_schema(string version)
    {
        var specification = Specification(version);
        var traffic = await Traffic.Value;
        var checkedAnswers = 0;

        foreach (var exchange in traffic.Where(e => e.Status is >= 200 and < 300 && e.ResponseBody is not null))
        {
            var (template, operation) = Find(specification, exchange.Method, exchange.Path)!.Value;
            // A 201 carries the created resource, described under 200 in these specifications.
            var response = operation["responses"]![exchange.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)]?["schema"]
                ?? operation["responses"]!["200"]?["schema"];
            response.Should().NotBeNull($"{exchange.Method} {template} describes its answer in {version}");
            Validate(SchemaFor(specification, response!), exchange.ResponseBody, $"the answer to {exchange.Method} {template} ({version})");
            checkedAnswers++;
        }

        checkedAnswers.Should().BeGreaterThanOrEqualTo(8);
    }

    [SkippableFact]
    public void A_body_the_specification_forbids_is_caught_so_the_check_can_fail()
    {
        var specification = Specification("2.7.1");
        var body = Find(specification, "POST", "/api/v1/namespaces/default/deployments")!.Value.Operation["parameters"]!.AsArray().OfType<JsonObject>().Single(p => (string?)p["in"] == "body");
        var schema = SchemaFor(specification, body["schema"]!);

        var wrong = JsonNode.Parse("""{"metadata":{"name":"x","resourceVersion":"not a number"},"spec":{"state":"STOPPED"}}""");

        schema.Evaluate(JsonSerializer.SerializeToElement(wrong)).IsValid.Should().BeFalse();
    }

    [SkippableFact]
    public async Task PUT_applies_defaults_unless_applyDefaults_is_false_as_the_2_7_specification_says()
    {
        Specification("2.7.1")["paths"]!["/api/v1/namespaces/{namespace}/deployments/{name}"]!["put"]!["parameters"]!.AsArray()
            .OfType<JsonObject>().Single(p => (string?)p["name"] == "applyDefaults")["default"]!.GetValue<bool>().Should().BeTrue();
        await using var emulator = await PlatformEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        const string Body = """{"metadata":{"name":"job"},"spec":{"state":"CANCELLED","deploymentTargetName":"t"}}""";

        using var plain = await http.PutAsync("api/v1/namespaces/ns/deployments/job", new StringContent(Body, System.Text.Encoding.UTF8, "application/json"));
        using var bare = await http.PutAsync("api/v1/namespaces/ns/deployments/job?applyDefaults=false", new StringContent(Body, System.Text.Encoding.UTF8, "application/json"));

        JsonNode.Parse(await plain.Content.ReadAsStringAsync())!["spec"]!["upgradeStrategy"].Should().NotBeNull("applyDefaults defaults to true");
        JsonNode.Parse(await bare.Content.ReadAsStringAsync())!["spec"]!["upgradeStrategy"].Should().BeNull("applyDefaults=false leaves the body as sent");
    }
}
