using System.Text.Json.Nodes;
using CsCheck;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>CsCheck generators of JSON documents, with small key and value sets so documents overlap.</summary>
internal static class JsonGen
{
    private static readonly string[] Keys = ["a", "b", "c", "spec", "state", "e/f", "~g", ""];
    private static readonly string[] Texts = ["", "x", "RUNNING", "1", "ünï", "a/b~c"];
    private static readonly string[] NumberTexts = ["0", "1", "1.0", "10e-1", "-2", "2.5", "25e-1", "1e3", "1000", "-0", "12345678901234567890", "0.1"];

    public static readonly Gen<JsonNode?> Scalar = Weighted(
        (2, Gen.OneOf(NumberTexts).Select(t => JsonNode.Parse(t))),
        (2, Gen.OneOf(Texts).Select(t => (JsonNode?)JsonValue.Create(t))),
        (1, Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b))),
        (1, Gen.Int[-3, 3].Select(i => (JsonNode?)JsonValue.Create(i))),
        (1, Gen.Int[0, 0].Select(_ => (JsonNode?)null)));

    /// <summary>Any document up to the given depth; <paramref name="nullMembers"/> controls whether objects may hold null values.</summary>
    public static Gen<JsonNode?> Document(int depth = 4, bool nullMembers = true)
    {
        var leaf = nullMembers ? Scalar : Scalar.Where(n => n is not null);
        if (depth == 0)
        {
            return leaf;
        }

        var child = Document(depth - 1, nullMembers);
        var obj = Gen.Select(Gen.OneOf(Keys), child).Array[0, 5].Select(members =>
        {
            var o = new JsonObject();
            foreach (var (key, value) in members)
            {
                o[key] = value;
            }

            return (JsonNode?)o;
        });
        var arr = child.Array[0, 5].Select(items => (JsonNode?)new JsonArray(items));
        return Weighted((2, leaf), (2, obj), (1, arr));
    }

    /// <summary>An object document (what the library mostly handles) up to the given depth.</summary>
    public static Gen<JsonNode?> ObjectDocument(int depth = 4, bool nullMembers = true) =>
        Document(depth, nullMembers).Select(n => n is JsonObject ? n : (JsonNode?)new JsonObject { ["v"] = n });

    /// <summary>An object of <paramref name="min"/> to <paramref name="max"/> members drawn from 40 keys, with small documents as values.</summary>
    public static Gen<JsonNode?> WideObject(int min, int max) =>
        Gen.Select(Gen.Int[0, 39], Document(2)).Array[min, max].Select(members =>
        {
            var o = new JsonObject();
            foreach (var (key, value) in members)
            {
                o[$"k{key}"] = value;
            }

            return (JsonNode?)o;
        });

    /// <summary>Pairs of documents, half independent, half the second derived from the first by a merge patch.</summary>
    public static Gen<(JsonNode? A, JsonNode? B)> Pair(bool nullMembersInB = true) => Weighted(
        (1, Gen.Select(Document(), Document(nullMembers: nullMembersInB)).Select(t => (A: t.Item1, B: t.Item2))),
        (2, Gen.Select(ObjectDocument(), ObjectDocument(3)).Select(t =>
        {
            var b = Vvp.Reconciliation.Json.JsonMergePatch.Apply(t.Item1, t.Item2);
            return (A: t.Item1, B: nullMembersInB ? b : WithoutNullMembers(b));
        })));

    /// <summary>The same document with object members reordered and numbers rewritten in another form.</summary>
    public static JsonNode? Reformatted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Reverse().Select(p => KeyValuePair.Create(p.Key, Reformatted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Reformatted)]),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.Number => JsonNode.Parse(v.ToJsonString() + (v.ToJsonString().Contains('e', StringComparison.OrdinalIgnoreCase) ? string.Empty : "e0")),
        _ => node?.DeepClone(),
    };

    public static JsonNode? WithoutNullMembers(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, WithoutNullMembers(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(WithoutNullMembers)]),
        _ => node?.DeepClone(),
    };

    /// <summary>Chooses among generators with the given weights.</summary>
    public static Gen<T> Weighted<T>(params (int Weight, Gen<T> Gen)[] choices)
    {
        var total = choices.Sum(c => c.Weight);
        return Gen.Int[0, total - 1].SelectMany(pick =>
        {
            foreach (var (weight, gen) in choices)
            {
                if (pick < weight)
                {
                    return gen;
                }

                pick -= weight;
            }

            return choices[^1].Gen;
        });
    }

    public static string Print(JsonNode? node) => node?.ToJsonString() ?? "null";
}
