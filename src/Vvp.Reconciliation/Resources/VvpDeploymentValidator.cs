using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Resources;

/// <summary>
/// Validates <c>VvpDeployment</c> CRs before anything reaches the platform: the documentation's JSON
/// schema, corrected (see <c>docs/schema-corrections.md</c>), plus the rules the schema cannot express.
/// Errors are for people: one message per problem, located by a JSON Pointer into the CR.
/// </summary>
public sealed partial class VvpDeploymentValidator
{
    private static readonly Lazy<(JsonSchema Schema, JsonNode Document)> LazySchema = new(LoadSchema);
    private static readonly Lazy<SchemaFastCheck> LazyFastCheck = new(() => SchemaFastCheck.Compile(LazySchema.Value.Document.AsObject()));

    /// <summary>Validates a CR document.</summary>
    /// <param name="document">The CR as read from YAML or JSON.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <returns>All errors found.</returns>
    public static ValidationResult Validate(JsonNode? document, int maxDepth = JsonLimits.DefaultMaxDepth)
    {
        if (document is not JsonObject root)
        {
            return new ValidationResult([new ResourceMessage(string.Empty, "A VvpDeployment must be an object (a YAML mapping).")]);
        }

        try
        {
            JsonTree.Depth(root, maxDepth);
        }
        catch (JsonDepthLimitExceededException ex)
        {
            return new ValidationResult([new ResourceMessage(TooDeepAt(root, maxDepth), $"{ex.Message} The value here is nested deeper than that.")]);
        }

        var errors = new List<ResourceMessage>();
        var outOfRange = new List<ResourceMessage>();
        NumbersOutOfRange(root, [], outOfRange);
        // The common case, a valid CR, is told by walking it in place; the full evaluator (a copy without null
        // members, serialised) runs only for a CR the walk cannot call valid, and says why.
        if (outOfRange.Count > 0 || !LazyFastCheck.Value.IsValid(root))
        {
            var forSchema = WithoutNullMembers(root);
            // A number no double can hold (1e999999999999, 1e-999999999999) is one error of its own: the schema's
            // bounds would misjudge it, so its other messages at that path are left out.
            errors.AddRange(SchemaErrors(forSchema).Where(e => !outOfRange.Any(o => o.Path == e.Path)));
        }

        errors.AddRange(outOfRange);
        errors.AddRange(RuleErrors(root));
        return new ValidationResult([.. errors.Distinct().OrderBy(e => e.Path, StringComparer.Ordinal)]);
    }

    // The JSON Pointer of the first container nested deeper than maxDepth (the root is at depth 1), found without recursion.
    private static string TooDeepAt(JsonObject root, int maxDepth)
    {
        var pending = new Stack<(JsonNode Node, string Path, int Depth)>();
        pending.Push((root, string.Empty, 1));
        while (pending.Count > 0)
        {
            var (node, path, depth) = pending.Pop();
            if (depth > maxDepth)
            {
                return path;
            }

            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, value) in obj.Reverse())
                    {
                        if (value is JsonObject or JsonArray)
                        {
                            pending.Push((value, $"{path}/{JsonPointerText.Escape(key)}", depth + 1));
                        }
                    }

                    break;
                case JsonArray array:
                    for (var i = array.Count - 1; i >= 0; i--)
                    {
                        if (array[i] is JsonObject or JsonArray)
                        {
                            pending.Push((array[i]!, $"{path}/{i}", depth + 1));
                        }
                    }

                    break;
            }
        }

        return string.Empty;
    }

    /// <summary>Validates a CR resource.</summary>
    /// <param name="resource">The CR.</param>
    /// <returns>All errors found.</returns>
    public static ValidationResult Validate(VvpDeploymentResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return Validate(resource.Root);
    }

    /// <summary>The corrected schema as JSON text (draft 2020-12).</summary>
    public static string SchemaText => LazySchema.Value.Document.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static (JsonSchema, JsonNode) LoadSchema()
    {
        using var stream = typeof(VvpDeploymentValidator).Assembly.GetManifestResourceStream("Vvp.Reconciliation.vvpdeployment.schema.json")
            ?? throw new InvalidOperationException("The embedded VvpDeployment schema is missing.");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        var schema = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        return (schema, JsonNode.Parse(text)!);
    }

    // In PATCH mode null means "remove this field"; in PUT mode it means absent. Either way the schema
    // judges the CR without those members, so required fields that are null are reported as missing.
    private static JsonObject WithoutNullMembers(JsonObject root)
    {
        var copy = (JsonObject)root.DeepClone();
        foreach (var key in new[] { "deployment", "initFields" })
        {
            if (JsonRead.Object(copy, "spec", key) is { } part)
            {
                RemoveNulls(part);
            }
        }

        return copy;

        static void RemoveNulls(JsonObject obj)
        {
            foreach (var key in obj.Where(p => p.Value is null).Select(p => p.Key).ToList())
            {
                obj.Remove(key);
            }

            foreach (var (_, value) in obj)
            {
                if (value is JsonObject child)
                {
                    RemoveNulls(child);
                }
            }
        }
    }

    /// <summary>What the full evaluator says of a document: valid or not (for the property test that holds the fast check to it).</summary>
    internal static bool SchemaSaysValid(JsonObject document)
    {
        var element = JsonSerializer.SerializeToElement(WithoutNullMembers(document), ValidationJsonContext.Default.JsonObject);
        return LazySchema.Value.Schema.Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid;
    }

    /// <summary>What the fast check says of a document.</summary>
    internal static bool FastCheckSaysValid(JsonObject document) => LazyFastCheck.Value.IsValid(document);

    /// <summary>Why the fast check cannot answer, or <see langword="null"/> when it can.</summary>
    internal static string? FastCheckUnsupported => LazyFastCheck.Value.Unsupported;

    private static IEnumerable<ResourceMessage> SchemaErrors(JsonObject document)
    {
        var (schema, schemaDocument) = LazySchema.Value;
        var element = JsonSerializer.SerializeToElement(document, ValidationJsonContext.Default.JsonObject);
        // Valid or not first (the flag output stops at the first failure and collects nothing); the full list of
        // errors is built only for a CR that has some.
        if (schema.Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid)
        {
            yield break;
        }

        var results = schema.Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var details = (results.Details ?? []).Prepend(results).ToList();
        foreach (var detail in details.Where(d => !d.IsValid && d.Errors is { Count: > 0 }))
        {
            // Errors inside one alternative of an anyOf are noise: a failed anyOf is reported once, below.
            if (detail.EvaluationPath.ToString().Contains("/anyOf/", StringComparison.Ordinal))
            {
                continue;
            }

            var instancePath = detail.InstanceLocation.ToString();
            foreach (var (keyword, message) in detail.Errors!)
            {
                foreach (var error in Describe(keyword, message, instancePath, detail, schemaDocument))
                {
                    yield return error;
                }
            }
        }

        foreach (var error in FailedAlternatives(details, schemaDocument))
        {
            yield return error;
        }
    }

    // An anyOf failed when every one of its branches failed at that instance location.
    private static IEnumerable<ResourceMessage> FailedAlternatives(List<EvaluationResults> details, JsonNode schemaDocument)
    {
        var groups = details
            .Select(d => (Detail: d, Match: AnyOfBranch().Match(d.EvaluationPath.ToString())))
            .Where(x => x.Match.Success && !x.Match.Groups["outer"].Value.Contains("/anyOf/", StringComparison.Ordinal))
            .GroupBy(x => (Prefix: x.Match.Groups["outer"].Value, Instance: x.Detail.InstanceLocation.ToString()));
        foreach (var group in groups)
        {
            var branchCount = SchemaAt(schemaDocument, group.First().Detail.SchemaLocation, up: 1) is JsonArray branches ? branches.Count : -1;
            var failed = group.Where(x => !x.Detail.IsValid).Select(x => x.Match.Groups["index"].Value).Distinct().Count();
            if (failed != branchCount)
            {
                continue;
            }

            var prefix = group.Key.Prefix;
            var path = group.Key.Instance;
            if (prefix.EndsWith("/properties/artifact/anyOf", StringComparison.Ordinal))
            {
                yield return new ResourceMessage(path, "The artifact must be one of: kind JAR with jarUri; kind PYTHON with pythonArtifactUri; kind SQLSCRIPT (or sqlscript) with sqlScript.");
            }
            else if (prefix.EndsWith("/deployment/properties/spec/anyOf", StringComparison.Ordinal))
            {
                yield return new ResourceMessage(path, "Either deploymentTargetName or sessionClusterName must be set.");
            }
            else
            {
                yield return new ResourceMessage(path, "The value matches none of the allowed alternatives.");
            }
        }
    }

    private static IEnumerable<ResourceMessage> Describe(string keyword, string message, string path, EvaluationResults detail, JsonNode schemaDocument)
    {
        switch (keyword)
        {
            case "required":
                foreach (Match name in QuotedName().Matches(message))
                {
                    yield return new ResourceMessage($"{path}/{JsonPointerText.Escape(name.Groups[1].Value)}", "This field is required.");
                }

                yield break;
            case "enum":
                var allowed = JsonRead.At(SchemaAt(schemaDocument, detail.SchemaLocation), "enum") is JsonArray values
                    ? string.Join(", ", values.Select(v => v?.ToString()))
                    : null;
                yield return new ResourceMessage(path, allowed is null ? "The value is not one of the allowed values." : $"The value must be one of: {allowed}.");
                yield break;
            case "type":
                var expected = JsonRead.String(SchemaAt(schemaDocument, detail.SchemaLocation), "type")
                    ?? (ExpectedType().Match(message) is { Success: true } m ? m.Groups[1].Value : null);
                yield return new ResourceMessage(path, expected is null ? $"The value has the wrong type: {message}" : $"The value must be {Article(expected)} {expected}.");
                yield break;
            default:
                yield return new ResourceMessage(path, message.EndsWith('.') ? message : message + ".");
                yield break;
        }
    }

    private static string Article(string word) => "aeiou".Contains(word[0], StringComparison.Ordinal) ? "an" : "a";

    private static JsonNode? SchemaAt(JsonNode schemaDocument, Uri location, int up = 0)
    {
        var fragment = Uri.UnescapeDataString(location.Fragment.TrimStart('#'));
        return JsonPointerText.TryParse(fragment, out var tokens) && tokens.Length >= up
            ? JsonRead.At(schemaDocument, tokens.AsSpan(0, tokens.Length - up))
            : null;
    }

    private static IEnumerable<ResourceMessage> RuleErrors(JsonObject root)
    {
        if (JsonRead.At(root, "apiVersion") is { } apiVersion && JsonRead.String(apiVersion) != VvpDeploymentResource.ApiVersionValue)
        {
            yield return new ResourceMessage("/apiVersion", $"apiVersion must be {VvpDeploymentResource.ApiVersionValue}.");
        }

        // The schema reports a missing metadata and a name of the wrong type; an absent or empty name is this rule's.
        if (JsonRead.Object(root, "metadata") is { } crMetadata && JsonRead.At(crMetadata, "name") is not { } crName)
        {
            yield return new ResourceMessage("/metadata/name", "This field is required: the CR's name is part of the owner marker it stamps on its deployment.");
        }
        else if (JsonRead.String(root, "metadata", "name") is { Length: 0 })
        {
            yield return new ResourceMessage("/metadata/name", "The CR's name must not be empty: it is part of the owner marker it stamps on its deployment.");
        }

        // The CR's namespace decides which operator watches it; the command-line tool watches it as given.
        if (JsonRead.String(root, "metadata", "namespace") is { Length: > 0 } crNamespace && !IsDns1123Label(crNamespace))
        {
            yield return new ResourceMessage("/metadata/namespace", $"'{DisplayTextOf(crNamespace)}' is not a Kubernetes namespace name: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit.");
        }

        if (JsonRead.String(root, "spec", "syncingMode") == "PUT" && JsonRead.At(root, "spec", "initFields") is not null)
        {
            yield return new ResourceMessage("/spec/initFields", "initFields is supported only in patch mode (syncingMode: PATCH).");
        }

        if (JsonRead.Object(root, "spec", "deployment", "userMetadata") is { } userMetadata)
        {
            var name = JsonRead.At(userMetadata, "name");
            if (name is null)
            {
                yield return new ResourceMessage("/spec/deployment/userMetadata/name", "This field is required: it names the platform deployment.");
            }
            else if (JsonRead.String(name) is { } text && !IsDns1123Label(text))
            {
                yield return new ResourceMessage(
                    "/spec/deployment/userMetadata/name",
                    $"'{DisplayTextOf(text)}' is not a valid deployment name: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit.");
            }

            // The namespace becomes part of every request path: '..', '/', '%' and control characters never may.
            if (JsonRead.String(userMetadata, "namespace") is { } ns && !IsDns1123Label(ns))
            {
                yield return new ResourceMessage(
                    "/spec/deployment/userMetadata/namespace",
                    $"'{DisplayTextOf(ns)}' is not a valid platform namespace: use at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit.");
            }
        }
    }

    // The path is built only for a number found out of range; the walk itself allocates no strings.
    private static void NumbersOutOfRange(JsonNode? node, List<string> path, List<ResourceMessage> errors)
    {
        switch (node)
        {
            case JsonObject obj:
                for (var i = 0; i < obj.Count; i++)
                {
                    var (key, value) = obj.GetAt(i);
                    if (value is JsonObject or JsonArray || value?.GetValueKind() == JsonValueKind.Number)
                    {
                        path.Add(key);
                        NumbersOutOfRange(value, path, errors);
                        path.RemoveAt(path.Count - 1);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonObject or JsonArray || array[i]?.GetValueKind() == JsonValueKind.Number)
                    {
                        path.Add(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        NumbersOutOfRange(array[i], path, errors);
                        path.RemoveAt(path.Count - 1);
                    }
                }

                break;
            case JsonValue value:
                var text = JsonValues.GetNumberText(value);
                var parsed = double.Parse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
                var mantissa = text.AsSpan(0, text.AsSpan().IndexOfAny('e', 'E') is var e and >= 0 ? e : text.Length);
                if (double.IsInfinity(parsed) || (parsed == 0 && mantissa.IndexOfAnyInRange('1', '9') >= 0))
                {
                    var shown = text.Length <= 40 ? text : text[..37] + "...";
                    errors.Add(new ResourceMessage(JsonPointerText.Build(path), $"The number {shown} is out of range: it is too {(parsed == 0 ? "small" : "large")} to be held as a number."));
                }

                break;
        }
    }

    /// <summary>True for a DNS-1123 label: <c>[a-z0-9]([-a-z0-9]*[a-z0-9])?</c>, at most 63 characters.</summary>
    /// <param name="value">The candidate name.</param>
    /// <returns>Whether it is a valid label.</returns>
    public static bool IsDns1123Label(string value) => value.Length is > 0 and <= 63 && Dns1123Label().IsMatch(value);

    // Names are quoted back to people: control characters must not forge lines of output.
    private static string DisplayTextOf(string value) => Platform.DisplayText.Clean(value, 80);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^(?<outer>.*/anyOf)/(?<index>[0-9]+)$", RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture)]
    private static partial Regex AnyOfBranch();

    [GeneratedRegex("should be \"([a-z]+)\"", RegexOptions.CultureInvariant)]
    private static partial Regex ExpectedType();

    [GeneratedRegex("\"([^\"]+)\"", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedName();
}
