using System.Text.Json.Nodes;
using CsCheck;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Resources;

/// <summary>The in-place schema check answers as JsonSchema.Net does, on valid CRs and on every kind of damage to them.</summary>
public sealed class SchemaFastCheckTests
{
    // Values put anywhere in a CR: wrong types, enum members and not, bounds, nulls, containers.
    private static readonly JsonNode?[] Replacements =
    [
        null, JsonValue.Create("RUNNING"), JsonValue.Create("MERGE"), JsonValue.Create("PUT"), JsonValue.Create("JAR"), JsonValue.Create(""),
        JsonValue.Create(1), JsonValue.Create(-1), JsonValue.Create(0), JsonNode.Parse("1.5"), JsonNode.Parse("2.0"), JsonNode.Parse("1e3"),
        JsonNode.Parse("2147483648"), JsonValue.Create(true), new JsonObject(), new JsonArray(), new JsonArray("a"), new JsonObject { ["x"] = 1 },
    ];

    [Fact]
    public void The_embedded_schema_compiles_and_the_seed_CR_is_valid_in_place()
    {
        VvpDeploymentValidator.FastCheckUnsupported.Should().BeNull();
        VvpDeploymentValidator.FastCheckSaysValid(TestCrs.SeedDocument()).Should().BeTrue();
        VvpDeploymentValidator.SchemaSaysValid(TestCrs.SeedDocument()).Should().BeTrue();
    }

    [Fact]
    public void It_answers_as_JsonSchema_Net_on_generated_and_damaged_CRs()
    {
        var valid = 0;
        var invalid = 0;
        var gen = from cr in CrGen.Resource()
                  from damage in Gen.Int[0, 3]
                  from picks in Gen.Int[0, 1_000_000].Array[damage * 2]
                  select Damaged((JsonObject)cr.Root.DeepClone(), picks);
        gen.Sample(
            document =>
            {
                var expected = VvpDeploymentValidator.SchemaSaysValid(document);
                _ = expected ? valid++ : invalid++;
                return VvpDeploymentValidator.FastCheckSaysValid(document) == expected;
            },
            iter: 2000,
            print: d => d.ToJsonString());

        valid.Should().BeGreaterThan(100, "the generator makes valid CRs");
        invalid.Should().BeGreaterThan(100, "and damaged ones");
    }

    // Replaces the values at a few places of the CR (chosen by the picks) with values of every kind.
    private static JsonObject Damaged(JsonObject document, int[] picks)
    {
        for (var i = 0; i + 1 < picks.Length; i += 2)
        {
            var places = Places(document).ToList();
            var (parent, key, index) = places[picks[i] % places.Count];
            var replacement = Replacements[picks[i + 1] % Replacements.Length]?.DeepClone();
            if (parent is JsonObject obj)
            {
                if (picks[i + 1] % 7 == 0)
                {
                    obj.Remove(key!);
                }
                else
                {
                    obj[key!] = replacement;
                }
            }
            else if (parent is JsonArray array)
            {
                array[index] = replacement;
            }
        }

        return document;
    }

    private static IEnumerable<(JsonNode Parent, string? Key, int Index)> Places(JsonNode node)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj.ToList())
            {
                yield return (obj, key, -1);
                if (value is not null)
                {
                    foreach (var place in Places(value))
                    {
                        yield return place;
                    }
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                yield return (array, null, i);
                if (array[i] is { } item)
                {
                    foreach (var place in Places(item))
                    {
                        yield return place;
                    }
                }
            }
        }
    }
}
