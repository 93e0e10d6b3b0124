using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>
/// The example CRs of ../shared/seed/operator-configuration.txt. The text lost its indentation, so each
/// example is re-indented from the key hierarchy of the corrected schema (a key belongs to the innermost
/// open object whose schema declares it), written back as YAML and read with <see cref="ResourceReader"/>.
/// </summary>
internal static partial class SeedExamples
{
    public static IReadOnlyList<SeedExample> Load()
    {
        var lines = File.ReadAllLines(SharedFolder.Require("seed", "operator-configuration.txt"));
        var schema = JsonNode.Parse(VvpDeploymentValidator.SchemaText)!;
        var examples = new List<SeedExample>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() == "apiVersion: ververica.platform/v1")
            {
                examples.Add(Rebuild(lines, i, schema));
            }
        }

        return examples;
    }

    private static SeedExample Rebuild(string[] lines, int start, JsonNode schema)
    {
        var yaml = new StringBuilder();
        var stack = new List<JsonNode?> { schema };
        var elided = false;
        for (var i = start; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line == "...")
            {
                elided = true;
                continue;
            }

            var match = KeyLine().Match(line);
            if (!match.Success)
            {
                break;
            }

            var key = match.Groups["key"].Value;
            var value = match.Groups["value"].Value;
            var isScalar = value.Length > 0;
            while (stack.Count > 0 && !Accepts(stack[^1], key, isScalar))
            {
                stack.RemoveAt(stack.Count - 1);
            }

            if (stack.Count == 0)
            {
                throw new InvalidOperationException($"The seed line '{line}' fits nowhere in the schema.");
            }

            var indent = new string(' ', (stack.Count - 1) * 2);
            if (value is ">-" or "|")
            {
                yaml.Append(indent).Append(key).Append(": ").Append(value).Append('\n');
                yaml.Append(indent).Append("  ").Append(lines[++i].Trim()).Append('\n');
            }
            else if (isScalar)
            {
                yaml.Append(indent).Append(key).Append(": ").Append(value).Append('\n');
            }
            else
            {
                yaml.Append(indent).Append(key).Append(":\n");
                stack.Add(Child(stack[^1], key));
            }
        }

        var read = ResourceReader.Read(yaml.ToString());
        if (!read.IsSuccess)
        {
            throw new InvalidOperationException($"Seed example at line {start + 1} does not read: {string.Join("; ", read.Errors)}\n{yaml}");
        }

        return new SeedExample(start + 1, yaml.ToString(), (JsonObject)read.Document!, elided);
    }

    private static bool Accepts(JsonNode? schema, string key, bool isScalar)
    {
        if (Properties(schema).ContainsKey(key))
        {
            return true;
        }

        // A string map (annotations, labels, flinkConfiguration) takes any key with a scalar value.
        return isScalar && schema?["additionalProperties"] is JsonObject additional && additional["type"]?.GetValue<string>() == "string";
    }

    private static JsonNode? Child(JsonNode? schema, string key) => Properties(schema).GetValueOrDefault(key);

    private static Dictionary<string, JsonNode?> Properties(JsonNode? schema)
    {
        var result = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (schema is null)
        {
            return result;
        }

        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            var target = Root(schema)[reference.TrimStart('#', '/').Split('/')[0]]![reference.Split('/')[^1]];
            foreach (var (key, value) in Properties(target))
            {
                result[key] = value;
            }
        }

        foreach (var (key, value) in schema["properties"]?.AsObject() ?? [])
        {
            // Local properties add constraints to the referenced ones: keep the referenced shape, it holds the nested keys.
            result[key] = result.TryGetValue(key, out var existing) && existing is not null ? Merge(existing, value) : value;
        }

        return result;
    }

    private static JsonObject Merge(JsonNode referenced, JsonNode? local)
    {
        var referencedProperties = Properties(referenced);
        var properties = new JsonObject();
        foreach (var (key, value) in referencedProperties)
        {
            properties[key] = value?.DeepClone();
        }

        foreach (var (key, value) in Properties(local))
        {
            properties[key] = referencedProperties.GetValueOrDefault(key) is { } existing ? Merge(existing, value) : value?.DeepClone();
        }

        return new JsonObject { ["properties"] = properties };
    }

    private static JsonNode Root(JsonNode node)
    {
        while (node.Parent is not null)
        {
            node = node.Parent;
        }

        return node;
    }

    [GeneratedRegex(@"^(?<key>[A-Za-z_][A-Za-z0-9_.\-]*):(?: (?<value>.+))?$")]
    private static partial Regex KeyLine();
}

internal sealed record SeedExample(int Line, string Yaml, JsonObject Document, bool Elided);
