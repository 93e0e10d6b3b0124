using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Resources;

/// <summary>
/// The CustomResourceDefinition <c>vvpdeployments.ververica.platform</c> (apiextensions.k8s.io/v1), generated from
/// the same embedded, corrected schema <see cref="VvpDeploymentValidator"/> uses, so the two cannot drift. The
/// schema is made structural, as the API server requires: every <c>$ref</c> inlined, a type on every node, no type
/// inside <c>anyOf</c>, <c>x-kubernetes-preserve-unknown-fields</c> on the objects the platform keeps open, and
/// <c>nullable</c> wherever a CR may say <c>null</c> (in PATCH mode, "remove this field"). The status schema is
/// SEMANTICS §9's, open where it carries the platform's own objects, so the API server prunes nothing the
/// library writes. It has the status subresource, printer columns and the short name <c>vvpdep</c>.
/// </summary>
public static class VvpDeploymentCrd
{
    /// <summary>The CRD's name.</summary>
    public const string Name = "vvpdeployments.ververica.platform";

    // The keywords that describe values; kept as they are (inside anyOf too).
    private static readonly string[] ValueKeywords = ["enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "pattern", "minLength", "maxLength", "minItems", "maxItems", "required"];

    /// <summary>The CRD as a JSON object (a new one each call).</summary>
    /// <returns>The manifest.</returns>
    public static JsonObject Generate()
    {
        var schema = JsonNode.Parse(VvpDeploymentValidator.SchemaText)!.AsObject();
        var defs = schema["$defs"] as JsonObject ?? [];
        var spec = Structural(schema["properties"]!["spec"]!, defs, inJunctor: false, nullable: false);
        return new JsonObject
        {
            ["apiVersion"] = "apiextensions.k8s.io/v1",
            ["kind"] = "CustomResourceDefinition",
            ["metadata"] = new JsonObject { ["name"] = Name },
            ["spec"] = new JsonObject
            {
                ["group"] = "ververica.platform",
                ["names"] = new JsonObject
                {
                    ["kind"] = "VvpDeployment",
                    ["listKind"] = "VvpDeploymentList",
                    ["plural"] = "vvpdeployments",
                    ["singular"] = "vvpdeployment",
                    ["shortNames"] = new JsonArray("vvpdep"),
                },
                ["scope"] = "Namespaced",
                ["versions"] = new JsonArray(new JsonObject
                {
                    ["name"] = "v1",
                    ["served"] = true,
                    ["storage"] = true,
                    ["subresources"] = new JsonObject { ["status"] = new JsonObject() },
                    ["additionalPrinterColumns"] = new JsonArray(
                        Column("Syncing", "string", ".status.customResourceStatus.customResourceState", "SYNCING or IDLING"),
                        Column("State", "string", ".status.customResourceStatus.statusState", "The deployment's state on the platform"),
                        Column("Synced", "string", ".status.conditions[?(@.type==\"Synced\")].status", "Whether the platform matches the CR"),
                        Column("Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", "Synced, and the deployment in the desired state"),
                        Column("Deployment", "string", ".status.customResourceStatus.deploymentId", "The platform deployment's id"),
                        Column("Age", "date", ".metadata.creationTimestamp", null)),
                    ["schema"] = new JsonObject
                    {
                        ["openAPIV3Schema"] = new JsonObject
                        {
                            ["type"] = "object",
                            ["description"] = "A Ververica Platform deployment, kept in sync by the operator.",
                            ["required"] = new JsonArray("spec"),
                            ["properties"] = new JsonObject
                            {
                                ["apiVersion"] = new JsonObject { ["type"] = "string" },
                                ["kind"] = new JsonObject { ["type"] = "string" },
                                ["metadata"] = new JsonObject { ["type"] = "object" },
                                ["spec"] = spec,
                                ["status"] = StatusSchema(),
                            },
                        },
                    },
                }),
            },
        };
    }

    /// <summary>The CRD as YAML, as <c>vvp-reconcile crd</c> prints it and <c>kubectl apply -f</c> reads it.</summary>
    /// <returns>The manifest.</returns>
    public static string ToYaml() => ResourceWriter.ToYaml(Generate());

    private static JsonObject Column(string name, string type, string path, string? description)
    {
        var column = new JsonObject { ["name"] = name, ["type"] = type, ["jsonPath"] = path };
        if (description is not null)
        {
            column["description"] = description;
        }

        return column;
    }

    private static JsonObject Structural(JsonNode node, JsonObject defs, bool inJunctor, bool nullable)
    {
        var source = Resolve(node.AsObject(), defs);
        var result = new JsonObject();
        if (!inJunctor)
        {
            if (JsonRead.String(source, "type") is { } type)
            {
                result["type"] = type;
            }

            if (JsonRead.String(source, "format") is { } format)
            {
                result["format"] = format;
            }

            if (nullable)
            {
                result["nullable"] = true;
            }
        }

        foreach (var keyword in ValueKeywords)
        {
            if (source[keyword] is { } value)
            {
                result[keyword] = value.DeepClone();
            }
        }

        if (source["properties"] is JsonObject properties)
        {
            var structural = new JsonObject();
            foreach (var (name, property) in properties)
            {
                structural[name] = Structural(property!, defs, inJunctor, nullable: !inJunctor);
            }

            result["properties"] = structural;
        }

        if (source["items"] is JsonObject items)
        {
            result["items"] = Structural(items, defs, inJunctor, nullable: false);
        }

        if (!inJunctor && source["additionalProperties"] is JsonObject valueSchema && result["properties"] is null)
        {
            // A map's value may be null: in PATCH mode `team: null` removes the key (RFC 7396), and the API server
            // would prune a null the schema does not allow before the operator ever saw it.
            result["additionalProperties"] = Structural(valueSchema, defs, inJunctor: false, nullable: true);
        }
        else if (!inJunctor && JsonRead.String(source, "type") == "object" && source["additionalProperties"] is not JsonValue)
        {
            // The platform's objects are open: a field it adds in a later version must survive the API server.
            result["x-kubernetes-preserve-unknown-fields"] = true;
        }

        foreach (var junctor in new[] { "anyOf", "oneOf", "allOf" })
        {
            if (source[junctor] is JsonArray branches)
            {
                result[junctor] = new JsonArray([.. branches.Select(b => (JsonNode)Restrict(Structural(b!, defs, inJunctor: true, nullable: false), result))]);
            }
        }

        return result;
    }

    // Inside a junctor, a structural schema may only name properties the enclosing schema declares.
    private static JsonObject Restrict(JsonObject branch, JsonObject outer)
    {
        if (branch["properties"] is JsonObject properties)
        {
            var declared = outer["properties"] as JsonObject;
            foreach (var name in properties.Select(p => p.Key).ToList())
            {
                if (declared is null || !declared.ContainsKey(name))
                {
                    properties.Remove(name);
                }
            }
        }

        return branch;
    }

    // Inlines a $ref: the referenced schema with the referring schema's own keywords merged onto it.
    private static JsonObject Resolve(JsonObject node, JsonObject defs)
    {
        if (JsonRead.String(node, "$ref") is not { } reference)
        {
            return node;
        }

        const string Prefix = "#/$defs/";
        var target = reference.StartsWith(Prefix, StringComparison.Ordinal) && defs[reference[Prefix.Length..]] is JsonObject def
            ? Resolve(def, defs)
            : throw new InvalidOperationException($"The schema's $ref '{reference}' names no definition.");
        var overlay = (JsonObject)node.DeepClone();
        overlay.Remove("$ref");
        return Merge((JsonObject)target.DeepClone(), overlay);
    }

    private static JsonObject Merge(JsonObject target, JsonObject overlay)
    {
        foreach (var (key, value) in overlay.ToList())
        {
            switch (key)
            {
                case "properties" when target["properties"] is JsonObject properties && value is JsonObject more:
                    foreach (var (name, schema) in more)
                    {
                        properties[name] = properties[name] is JsonObject existing && schema is JsonObject extra
                            ? Merge(existing, (JsonObject)extra.DeepClone())
                            : schema?.DeepClone();
                    }

                    break;
                case "required" when target["required"] is JsonArray required && value is JsonArray moreRequired:
                    foreach (var name in moreRequired.Select(r => JsonRead.String(r)).OfType<string>())
                    {
                        if (!required.Any(r => JsonRead.String(r) == name))
                        {
                            required.Add((JsonNode)name);
                        }
                    }

                    break;
                case "anyOf" when target["anyOf"] is not null:
                    target["allOf"] = new JsonArray(new JsonObject { ["anyOf"] = target["anyOf"]!.DeepClone() }, new JsonObject { ["anyOf"] = value?.DeepClone() });
                    target.Remove("anyOf");
                    break;
                default:
                    target[key] = value?.DeepClone();
                    break;
            }
        }

        return target;
    }

    private static JsonObject StatusSchema()
    {
        static JsonObject Text(string? format = null) => format is null
            ? new JsonObject { ["type"] = "string", ["nullable"] = true }
            : new JsonObject { ["type"] = "string", ["format"] = format, ["nullable"] = true };
        static JsonObject Integer() => new() { ["type"] = "integer", ["nullable"] = true };
        static JsonObject Open() => new() { ["type"] = "object", ["nullable"] = true, ["x-kubernetes-preserve-unknown-fields"] = true };

        var customResourceStatus = Open();
        customResourceStatus["properties"] = new JsonObject
        {
            ["customResourceState"] = new JsonObject { ["type"] = "string", ["nullable"] = true, ["enum"] = new JsonArray("SYNCING", "IDLING", null) },
            ["deploymentId"] = Text(),
            ["observedSpecState"] = Text(),
            ["statusState"] = Text(),
            ["vvpNamespace"] = Text(),
            ["observedGeneration"] = Integer(),
            ["lastSyncedGeneration"] = Integer(),
            ["lastSyncedResourceVersion"] = Text(),
            ["lastSyncedDeploymentHash"] = Text(),
            ["initialSavepoint"] = Open(),
        };
        var condition = new JsonObject
        {
            ["type"] = "object",
            ["required"] = new JsonArray("type", "status"),
            ["properties"] = new JsonObject
            {
                ["type"] = new JsonObject { ["type"] = "string" },
                ["status"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray("True", "False", "Unknown") },
                ["reason"] = Text(),
                ["message"] = Text(),
                ["lastTransitionTime"] = Text("date-time"),
                ["observedGeneration"] = Integer(),
            },
        };
        var status = Open();
        status["description"] = "Projected from the platform deployment on every reconcile (SEMANTICS §9).";
        status["properties"] = new JsonObject
        {
            ["deploymentStatus"] = Open(),
            ["deploymentSystemMetadata"] = Open(),
            ["customResourceStatus"] = customResourceStatus,
            // Where kstatus (Flux, kubectl wait, cli-utils) reads it.
            ["observedGeneration"] = Integer(),
            // Under specWriteBack: Report, the RFC 6902 patch to commit to the CR's source.
            ["pendingSpecUpdate"] = new JsonObject { ["type"] = "array", ["nullable"] = true, ["items"] = Open() },
            // One condition per type: server-side apply and strategic merges key them by type.
            ["conditions"] = new JsonObject
            {
                ["type"] = "array",
                ["nullable"] = true,
                ["x-kubernetes-list-type"] = "map",
                ["x-kubernetes-list-map-keys"] = new JsonArray("type"),
                ["items"] = condition,
            },
        };
        return status;
    }

    /// <summary>Finds what makes a schema not structural, as the API server checks it; empty when it is.</summary>
    /// <param name="openApiV3Schema">The CRD's <c>openAPIV3Schema</c>.</param>
    /// <returns>One message per violation, with its path.</returns>
    public static IReadOnlyList<string> StructuralViolations(JsonObject openApiV3Schema)
    {
        ArgumentNullException.ThrowIfNull(openApiV3Schema);
        var violations = new List<string>();
        Check(openApiV3Schema, "openAPIV3Schema", inJunctor: false, violations);
        return violations;
    }

    private static void Check(JsonObject node, string path, bool inJunctor, List<string> violations)
    {
        if (node.ContainsKey("$ref"))
        {
            violations.Add($"{path}: $ref is not allowed");
        }

        var preserves = node["x-kubernetes-preserve-unknown-fields"] is JsonValue p && p.GetValueKind() == JsonValueKind.True;
        var intOrString = node["x-kubernetes-int-or-string"] is JsonValue i && i.GetValueKind() == JsonValueKind.True;
        if (inJunctor)
        {
            foreach (var forbidden in new[] { "type", "description", "default", "additionalProperties", "nullable", "format" })
            {
                if (node.ContainsKey(forbidden))
                {
                    violations.Add($"{path}: '{forbidden}' is not allowed inside anyOf, oneOf, allOf or not");
                }
            }
        }
        else if (JsonRead.String(node, "type") is null && !preserves && !intOrString)
        {
            violations.Add($"{path}: a type is required");
        }

        if (node["properties"] is not null && node["additionalProperties"] is not null)
        {
            violations.Add($"{path}: properties and additionalProperties are mutually exclusive");
        }

        if (node["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                if (child is JsonObject childObject)
                {
                    Check(childObject, $"{path}.properties.{name}", inJunctor, violations);
                }
            }
        }

        foreach (var key in new[] { "items", "additionalProperties" })
        {
            if (node[key] is JsonObject child)
            {
                Check(child, $"{path}.{key}", inJunctor, violations);
            }
        }

        foreach (var junctor in new[] { "anyOf", "oneOf", "allOf" })
        {
            if (node[junctor] is JsonArray branches)
            {
                for (var b = 0; b < branches.Count; b++)
                {
                    if (branches[b] is JsonObject branch)
                    {
                        Check(branch, $"{path}.{junctor}[{b}]", inJunctor: true, violations);
                        if (branch["properties"] is JsonObject branchProperties && node["properties"] is JsonObject outer)
                        {
                            foreach (var (name, _) in branchProperties.Where(bp => !outer.ContainsKey(bp.Key)))
                            {
                                violations.Add($"{path}.{junctor}[{b}].properties.{name}: not declared outside the junctor");
                            }
                        }
                    }
                }
            }
        }

        if (node["not"] is JsonObject not)
        {
            Check(not, $"{path}.not", inJunctor: true, violations);
        }
    }
}
