using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Resources;

/// <summary>
/// Answers "is this CR valid under the schema?" by walking the CR's tree in place, with no copy and no
/// serialisation: the schema's keywords compiled once into checks. It knows the keywords the embedded schema uses
/// (type, enum, minimum, maximum, properties, required, additionalProperties, items, anyOf, allOf, oneOf, $ref;
/// format and the annotations assert nothing in draft 2020-12); a schema with any other keyword is not compiled and
/// every answer is "unknown". Only a "valid" answer is used: anything else goes to the full evaluator, which also
/// says why. A property test holds its answers to JsonSchema.Net's.
/// </summary>
internal sealed class SchemaFastCheck
{
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal) { "$comment", "$schema", "$id", "$defs", "format", "description", "title", "examples", "default", "deprecated" };

    private readonly Check? _root;

    private SchemaFastCheck(Check? root) => _root = root;

    /// <summary>Why the schema could not be compiled, or <see langword="null"/>.</summary>
    public string? Unsupported { get; private init; }

    /// <summary>Compiles <paramref name="schema"/>; an unknown keyword leaves the check unable to answer.</summary>
    public static SchemaFastCheck Compile(JsonObject schema)
    {
        try
        {
            var defs = schema["$defs"] as JsonObject ?? [];
            return new SchemaFastCheck(Build(schema, defs, []));
        }
        catch (NotSupportedException ex)
        {
            return new SchemaFastCheck(null) { Unsupported = ex.Message };
        }
    }

    /// <summary>
    /// True when <paramref name="document"/> is valid as the validator judges it (members that are <c>null</c> under
    /// <c>spec.deployment</c> and <c>spec.initFields</c> count as absent); false when it is not, or cannot be told here.
    /// </summary>
    public bool IsValid(JsonObject document) => _root is not null && _root.Matches(document, Zone.Root);

    private static Check Build(JsonObject schema, JsonObject defs, HashSet<string> resolving)
    {
        var check = new Check();
        foreach (var (keyword, value) in schema)
        {
            switch (keyword)
            {
                case "type":
                    check.Types = value is JsonArray types ? [.. types.Select(t => JsonRead.String(t)!)] : [JsonRead.String(value) ?? throw Unknown(keyword)];
                    break;
                case "enum":
                    check.Enum = [.. (value as JsonArray ?? throw Unknown(keyword)).Select(v => v?.DeepClone())];
                    break;
                case "minimum":
                    check.Minimum = Decimal(value);
                    break;
                case "maximum":
                    check.Maximum = Decimal(value);
                    break;
                case "required":
                    check.Required = [.. (value as JsonArray ?? throw Unknown(keyword)).Select(r => JsonRead.String(r)!)];
                    break;
                case "properties":
                    check.Properties = (value as JsonObject ?? throw Unknown(keyword))
                        .ToDictionary(p => p.Key, p => Build(p.Value as JsonObject ?? throw Unknown(keyword), defs, resolving), StringComparer.Ordinal);
                    break;
                case "additionalProperties":
                    check.AdditionalProperties = value is JsonObject additional ? Build(additional, defs, resolving) : throw Unknown(keyword);
                    break;
                case "items":
                    check.Items = Build(value as JsonObject ?? throw Unknown(keyword), defs, resolving);
                    break;
                case "anyOf" or "allOf" or "oneOf":
                    var branches = (value as JsonArray ?? throw Unknown(keyword)).Select(b => Build(b as JsonObject ?? throw Unknown(keyword), defs, resolving)).ToArray();
                    if (keyword == "anyOf")
                    {
                        check.AnyOf = branches;
                    }
                    else if (keyword == "allOf")
                    {
                        check.AllOf = [.. check.AllOf ?? [], .. branches];
                    }
                    else
                    {
                        check.OneOf = branches;
                    }

                    break;
                case "$ref":
                    const string Prefix = "#/$defs/";
                    var reference = JsonRead.String(value) ?? throw Unknown(keyword);
                    if (!reference.StartsWith(Prefix, StringComparison.Ordinal) || defs[reference[Prefix.Length..]] is not JsonObject target || !resolving.Add(reference))
                    {
                        throw Unknown(keyword);
                    }

                    check.AllOf = [.. check.AllOf ?? [], Build(target, defs, resolving)];
                    resolving.Remove(reference);
                    break;
                default:
                    if (!Annotations.Contains(keyword))
                    {
                        throw Unknown(keyword);
                    }

                    break;
            }
        }

        return check;
    }

    private static NotSupportedException Unknown(string keyword) => new($"The keyword '{keyword}' is not one the fast check knows, or has an unexpected value.");

    // A bound as a decimal when one holds it exactly, else as a double (1.7976931348623157e+308).
    private static Bound Decimal(JsonNode? value)
    {
        if (value is not JsonValue number || number.GetValueKind() != JsonValueKind.Number)
        {
            throw Unknown("minimum/maximum");
        }

        var text = JsonValues.GetNumberText(number);
        return decimal.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
            ? new Bound(d, (double)d)
            : new Bound(null, double.Parse(text, System.Globalization.CultureInfo.InvariantCulture));
    }

    private readonly record struct Bound(decimal? Exact, double Approximate)
    {
        // The sign of value − bound; null when the value is not a number this check can read.
        public int? Compare(JsonValue value)
        {
            var text = JsonValues.GetNumberText(value);
            if (Exact is { } exact && decimal.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d))
            {
                return d.CompareTo(exact);
            }

            return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var x) && double.IsFinite(x)
                ? x.CompareTo(Approximate)
                : null;
        }
    }

    // Where a value sits: the validator judges the CR with the null members of spec.deployment and spec.initFields removed.
    private enum Zone
    {
        Root,
        Spec,
        NullsAbsent,
        Other,
    }

    private sealed class Check
    {
        public string[]? Types { get; set; }

        public JsonNode?[]? Enum { get; set; }

        public Bound? Minimum { get; set; }

        public Bound? Maximum { get; set; }

        public string[]? Required { get; set; }

        public Dictionary<string, Check>? Properties { get; set; }

        public Check? AdditionalProperties { get; set; }

        public Check? Items { get; set; }

        public Check[]? AnyOf { get; set; }

        public Check[]? AllOf { get; set; }

        public Check[]? OneOf { get; set; }

        public bool Matches(JsonNode? value, Zone zone)
        {
            if (Types is not null && !Types.Any(t => IsType(value, t)))
            {
                return false;
            }

            if (Enum is not null && !Enum.Any(e => JsonEquality.Equals(e, value)))
            {
                return false;
            }

            if ((Minimum is not null || Maximum is not null) && value is JsonValue number && number.GetValueKind() == JsonValueKind.Number)
            {
                if ((Minimum is { } min && min.Compare(number) is not >= 0) || (Maximum is { } max && max.Compare(number) is not <= 0))
                {
                    return false;
                }
            }

            if (value is JsonObject obj && !MatchesObject(obj, zone))
            {
                return false;
            }

            if (value is JsonArray array && Items is not null)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    if (!Items.Matches(array[i], Zone.Other))
                    {
                        return false;
                    }
                }
            }

            if (AllOf is not null && !AllOf.All(c => c.Matches(value, zone)))
            {
                return false;
            }

            if (AnyOf is not null && !AnyOf.Any(c => c.Matches(value, zone)))
            {
                return false;
            }

            return OneOf is null || OneOf.Count(c => c.Matches(value, zone)) == 1;
        }

        private bool MatchesObject(JsonObject obj, Zone zone)
        {
            var nullsAbsent = zone == Zone.NullsAbsent;
            if (Required is not null)
            {
                foreach (var name in Required)
                {
                    if (!obj.TryGetPropertyValue(name, out var present) || (present is null && nullsAbsent))
                    {
                        return false;
                    }
                }
            }

            if (Properties is null && AdditionalProperties is null)
            {
                return true;
            }

            for (var i = 0; i < obj.Count; i++)
            {
                var (key, member) = obj.GetAt(i);
                if (member is null && nullsAbsent)
                {
                    continue;
                }

                var childZone = (zone, key) switch
                {
                    (Zone.Root, "spec") => Zone.Spec,
                    (Zone.Spec, "deployment" or "initFields") => Zone.NullsAbsent,
                    (Zone.NullsAbsent, _) => Zone.NullsAbsent,
                    _ => Zone.Other,
                };
                if (Properties is not null && Properties.TryGetValue(key, out var property))
                {
                    if (!property.Matches(member, childZone))
                    {
                        return false;
                    }
                }
                else if (AdditionalProperties is not null && !AdditionalProperties.Matches(member, childZone))
                {
                    return false;
                }
            }

            return true;
        }

        private static bool IsType(JsonNode? value, string type) => type switch
        {
            "null" => value is null,
            "object" => value is JsonObject,
            "array" => value is JsonArray,
            "string" => value is JsonValue s && s.GetValueKind() == JsonValueKind.String,
            "boolean" => value is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
            "number" => value is JsonValue n && n.GetValueKind() == JsonValueKind.Number,
            "integer" => value is JsonValue i && i.GetValueKind() == JsonValueKind.Number && IsIntegral(i),
            _ => false,
        };

        private static bool IsIntegral(JsonValue value)
        {
            if (value.TryGetValue<JsonElement>(out var element) && element.TryGetInt64(out _))
            {
                return true;
            }

            return decimal.TryParse(JsonValues.GetNumberText(value), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) && d == decimal.Truncate(d);
        }
    }
}
