using System.Text;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Resources;

/// <summary>
/// Malformed or invalid CRs: each gives a clear error naming the path, never an unhandled exception,
/// and the plan is blocked, so nothing would reach the platform.
/// </summary>
public sealed class BadInputTests
{
    private static readonly Dictionary<string, (Func<byte[]> Input, string Path, string Message)> Cases = new()
    {
        ["empty text"] = (() => Utf8(string.Empty), "", "empty"),
        ["white space only"] = (() => Utf8("   \n\n  "), "", "empty"),
        ["two YAML documents"] = (() => Utf8(TestCrs.SeedTestCrYaml + "\n---\n" + TestCrs.SeedTestCrYaml), "", "one document"),
        ["unterminated JSON"] = (() => Utf8("{\"kind\": "), "", "JSON cannot be read"),
        ["JSON double comma"] = (() => Utf8("{\"kind\": \"VvpDeployment\",,}"), "", "JSON cannot be read"),
        ["JSON duplicate keys"] = (() => Utf8("{\"kind\": \"a\", \"kind\": \"b\"}"), "", "JSON cannot be read"),
        ["JSON array"] = (() => Utf8("[1, 2]"), "", "must be an object"),
        ["YAML scalar string"] = (() => Utf8("just some words"), "", "must be an object"),
        ["YAML scalar number"] = (() => Utf8("42"), "", "must be an object"),
        ["YAML null"] = (() => Utf8("~"), "", "must be an object"),
        ["YAML unclosed flow sequence"] = (() => Utf8("kind: [VvpDeployment"), "", "YAML cannot be read"),
        ["YAML bad indentation"] = (() => Utf8("kind: VvpDeployment\n  spec: x\n bad: y"), "", "YAML cannot be read"),
        ["YAML tab indentation"] = (() => Utf8("spec:\n\tdeployment: x"), "", "YAML cannot be read"),
        ["YAML duplicate keys"] = (() => Utf8("kind: VvpDeployment\nkind: Other"), "/kind", "appears twice"),
        ["YAML complex mapping key"] = (() => Utf8("? [a, b]\n: value"), "", "mapping key must be a plain value"),
        ["YAML undefined alias"] = (() => Utf8("kind: *missing"), "/kind", "refers to no anchor"),
        ["YAML alias bomb"] = (() => Utf8(AliasBomb()), "/*", "more than 100000 values"),
        ["YAML infinity"] = (() => Utf8(Seed("maxJobCreationAttempts: 99", "maxJobCreationAttempts: .inf")), "/spec/deployment/spec/maxJobCreationAttempts", "cannot be represented in JSON"),
        ["YAML unsupported tag"] = (() => Utf8("kind: !!binary aGVsbG8="), "/kind", "not supported"),
        ["YAML local tag on a mapping"] = (() => Utf8("spec: !evil\n  a: 1"), "/spec", "not supported on a mapping"),
        ["YAML sequence tag on a mapping"] = (() => Utf8("spec: !!seq\n  a: 1"), "/spec", "not supported on a mapping"),
        ["JSON lone surrogate escape"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["userMetadata"]!["displayName"] = "SURROGATE").Replace("SURROGATE", "x\\ud800y", StringComparison.Ordinal)), "", "surrogate without its pair"),
        ["JSON lone surrogate escape in a key"] = (() => Utf8("{\"kind\": \"VvpDeployment\", \"a\\udc00\": 1}"), "", "surrogate without its pair"),
        ["YAML lone surrogate escape"] = (() => Utf8("kind: \"x\\ud800\""), "", "YAML cannot be read"),
        ["trailing NUL"] = (() => Utf8(TestCrs.SeedTestCrYaml + "\0"), "", "control character U+0000"),
        ["NUL in the middle"] = (() => Utf8("kind: Vvp\0Deployment"), "", "line 1, column 10"),
        ["escape character in YAML"] = (() => Utf8("kind: \u001b[31mred"), "", "control character U+001B"),
        ["attempts 1e999999999999"] = (() => Utf8(Seed("maxJobCreationAttempts: 99", "maxJobCreationAttempts: 1e999999999999")), "/spec/deployment/spec/maxJobCreationAttempts", "out of range"),
        ["attempts 1e-999999999999"] = (() => Utf8(Seed("maxJobCreationAttempts: 99", "maxJobCreationAttempts: 1e-999999999999")), "/spec/deployment/spec/maxJobCreationAttempts", "too small"),
        ["attempts 1e309 in JSON"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["spec"]!["maxJobCreationAttempts"] = 7).Replace("\"maxJobCreationAttempts\":7", "\"maxJobCreationAttempts\":1e309", StringComparison.Ordinal)), "/spec/deployment/spec/maxJobCreationAttempts", "too large"),
        ["CR namespace not a DNS label"] = (() => Utf8(Seed("metadata:\n  name: test-cr\n", "metadata:\n  name: test-cr\n  namespace: Bad_NS\n")), "/metadata/namespace", "not a Kubernetes namespace name"),
        ["CR name missing"] = (() => Utf8(Seed("metadata:\n  name: test-cr\n", "metadata:\n  labels: {}\n")), "/metadata/name", "owner marker"),
        ["platform namespace dot-dot"] = (() => Utf8(Seed("namespace: default", "namespace: \"..\"")), "/spec/deployment/userMetadata/namespace", "not a valid platform namespace"),
        ["platform namespace dot"] = (() => Utf8(Seed("namespace: default", "namespace: .")), "/spec/deployment/userMetadata/namespace", "not a valid platform namespace"),
        ["platform namespace with a slash"] = (() => Utf8(Seed("namespace: default", "namespace: a/b")), "/spec/deployment/userMetadata/namespace", "not a valid platform namespace"),
        ["YAML nested 200 levels"] = (() => Utf8(string.Concat(Enumerable.Range(0, 200).Select(i => new string(' ', i * 2) + "a:\n")) + new string(' ', 400) + "x: 1"), "/a/a/a*", "maximum depth of 64"),
        ["JSON nested 200 levels"] = (() => Utf8(string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200)), "", "maximum depth of 64"),
        ["5 MiB document"] = (() => Utf8(TestCrs.SeedTestCrYaml + "\n# " + new string('x', 5 * 1024 * 1024)), "", "larger than the limit"),
        ["bytes that are not UTF-8"] = (() => [.. Encoding.UTF8.GetBytes("kind: "), 0xC3, 0x28, 0xFF, (byte)'\n'], "", "not valid UTF-8"),
        ["kind missing"] = (() => Utf8(Seed("kind: VvpDeployment\n", string.Empty)), "/kind", "required"),
        ["kind of another resource"] = (() => Utf8(Seed("kind: VvpDeployment", "kind: Deployment")), "/kind", "must be one of: VvpDeployment"),
        ["apiVersion of another group"] = (() => Utf8(Seed("apiVersion: ververica.platform/v1", "apiVersion: apps/v1")), "/apiVersion", "ververica.platform/v1"),
        ["metadata missing"] = (() => Utf8(Seed("metadata:\n  name: test-cr\n", string.Empty)), "/metadata", "required"),
        ["spec missing"] = (() => Utf8("apiVersion: ververica.platform/v1\nkind: VvpDeployment\nmetadata:\n  name: x\n"), "/spec", "required"),
        ["spec is a list"] = (() => Utf8("apiVersion: ververica.platform/v1\nkind: VvpDeployment\nmetadata:\n  name: x\nspec: [1]\n"), "/spec", "must be an object"),
        ["deployment is a string"] = (() => Utf8("kind: VvpDeployment\nmetadata: {}\nspec:\n  deployment: nothing\n"), "/spec/deployment", "must be an object"),
        ["userMetadata missing"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!.AsObject().Remove("userMetadata"))), "/spec/deployment/userMetadata", "required"),
        ["deployment name missing"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["userMetadata"]!.AsObject().Remove("name"))), "/spec/deployment/userMetadata/name", "required"),
        ["deployment name with capitals"] = (() => Utf8(Seed("name: test-cr\n      namespace", "name: Test-CR\n      namespace")), "/spec/deployment/userMetadata/name", "not a valid deployment name"),
        ["deployment name of 64 characters"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["userMetadata"]!["name"] = new string('a', 64))), "/spec/deployment/userMetadata/name", "at most 63"),
        ["deployment name a number"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["userMetadata"]!["name"] = 42)), "/spec/deployment/userMetadata/name", "must be a string"),
        ["state not allowed"] = (() => Utf8(Seed("state: CANCELLED", "state: STOPPED")), "/spec/deployment/spec/state", "RUNNING, SUSPENDED, CANCELLED"),
        ["attempts as text"] = (() => Utf8(Seed("maxJobCreationAttempts: 99", "maxJobCreationAttempts: \"99\"")), "/spec/deployment/spec/maxJobCreationAttempts", "must be an integer"),
        ["attempts beyond int32"] = (() => Utf8(Seed("maxJobCreationAttempts: 99", "maxJobCreationAttempts: 2147483648")), "/spec/deployment/spec/maxJobCreationAttempts", "2147483647"),
        ["attempts a fraction"] = (() => Utf8(Seed("maxJobCreationAttempts: 99", "maxJobCreationAttempts: 1.5")), "/spec/deployment/spec/maxJobCreationAttempts", "must be an integer"),
        ["cpu below the minimum"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["spec"]!["template"]!["spec"]!["resources"] = JsonNode.Parse("""{"jobmanager":{"cpu":0.01,"memory":"1g"}}"""))), "/spec/deployment/spec/template/spec/resources/jobmanager/cpu", "0.1"),
        ["resources without memory"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["spec"]!["template"]!["spec"]!["resources"] = JsonNode.Parse("""{"jobmanager":{"cpu":1}}"""))), "/spec/deployment/spec/template/spec/resources/jobmanager/memory", "required"),
        ["flink configuration value a number"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["spec"]!["template"]!["spec"]!["flinkConfiguration"] = JsonNode.Parse("""{"parallelism.default":4}"""))), "/spec/deployment/spec/template/spec/flinkConfiguration/parallelism.default", "must be a string"),
        ["label value a boolean"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["userMetadata"]!["labels"] = JsonNode.Parse("""{"critical":true}"""))), "/spec/deployment/userMetadata/labels/critical", "must be a string"),
        ["artifact without jarUri"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["spec"]!["template"]!["spec"]!["artifact"]!.AsObject().Remove("jarUri"))), "/spec/deployment/spec/template/spec/artifact", "must be one of"),
        ["artifact missing"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["spec"]!["template"]!["spec"]!.AsObject().Remove("artifact"))), "/spec/deployment/spec/template/spec/artifact", "required"),
        ["template null"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["spec"]!["template"] = null)), "/spec/deployment/spec/template", "required"),
        ["no deployment target"] = (() => Utf8(Document(d => d["spec"]!["deployment"]!["spec"]!.AsObject().Remove("deploymentTargetName"))), "/spec/deployment/spec", "deploymentTargetName or sessionClusterName"),
        ["syncing mode unknown"] = (() => Utf8(Seed("syncingMode: PATCH", "syncingMode: MERGE")), "/spec/syncingMode", "PUT, PATCH"),
        ["initFields in PUT mode"] = (() => Utf8(Seed("syncingMode: PATCH", "syncingMode: PUT")), "/spec/initFields", "only in patch mode"),
        ["initial savepoint without location"] = (() => Utf8(Document(d => d["spec"]!["initialSavepointSpec"] = new JsonObject { ["flinkSavepointId"] = "x" })), "/spec/initialSavepointSpec/savepointLocation", "required"),
    };

    public static TheoryData<string> Names() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void Bad_input_gives_a_clear_error_naming_the_path_and_nothing_is_planned_for_the_platform(string name)
    {
        var (input, path, message) = Cases[name];

        var plan = Plan(input());

        plan.Action.Should().Be(PlanAction.Blocked);
        plan.Reason.Should().Be(PlanReasons.Invalid);
        plan.Request.Should().BeNull();
        // A path ending in '*' names the subtree where the error is found (deep documents, alias bombs).
        Func<string, bool> pathMatches = actual => path.EndsWith('*') ? actual.StartsWith(path[..^1], StringComparison.Ordinal) : actual == path;
        plan.Errors.Should().Contain(e => pathMatches(e.Path) && e.Message.Contains(message, StringComparison.OrdinalIgnoreCase),
            "expected an error at '{0}' saying '{1}', got: {2}", path, message, string.Join(" | ", plan.Errors));
        plan.Errors.Should().OnlyContain(e => e.Message.Length > 10 && e.Message.EndsWith('.'), "messages are sentences for people");
    }

    [Theory]
    [InlineData("1e999999999999")]
    [InlineData("1e-999999999999")]
    public void A_number_no_double_can_hold_is_one_error_at_its_path_not_a_misleading_bound(string number)
    {
        var plan = Plan(Utf8(Seed("maxJobCreationAttempts: 99", "maxJobCreationAttempts: " + number)));

        plan.Errors.Where(e => e.Path == "/spec/deployment/spec/maxJobCreationAttempts").Should().ContainSingle()
            .Which.Message.Should().Contain("out of range").And.NotContain("2147483647");
    }

    private static Plan Plan(byte[] bytes)
    {
        var read = ResourceReader.Read(bytes);
        if (!read.IsSuccess)
        {
            return Vvp.Reconciliation.Planning.Plan.Unreadable(read.Errors);
        }

        if (read.Document is not JsonObject document)
        {
            VvpDeploymentValidator.Validate(read.Document).IsValid.Should().BeFalse();
            return Vvp.Reconciliation.Planning.Plan.Unreadable(VvpDeploymentValidator.Validate(read.Document).Errors);
        }

        return new DeploymentPlanner().Plan(VvpDeploymentResource.FromDocument(document), null);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Seed(string find, string replace)
    {
        TestCrs.SeedTestCrYaml.Should().Contain(find);
        return TestCrs.SeedTestCrYaml.Replace(find, replace, StringComparison.Ordinal);
    }

    private static string Document(Action<JsonObject> change)
    {
        var doc = TestCrs.SeedDocument();
        change(doc);
        return doc.ToJsonString();
    }

    private static string AliasBomb()
    {
        var lines = new StringBuilder("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 9; i++)
        {
            var prev = (char)('a' + i - 1);
            var name = (char)('a' + i);
            lines.Append(name).Append(": &").Append(name).Append(" [").Append(string.Join(", ", Enumerable.Repeat("*" + prev, 10))).Append("]\n");
        }

        return lines.ToString();
    }
}
