using System.Text.Json.Nodes;
using CsCheck;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Reconciling;

/// <summary>
/// Laws of re-applying plain files (no generation) against a platform that adds defaults and normalises values,
/// over generated CRs (CsCheck). Every generated case writes on its first apply, so no case passes vacuously.
/// </summary>
public sealed class ReapplyLawsTests
{
    private const long Iterations = 400;
    private const int ReApplies = 4;

    private static (InMemoryPlatform Platform, VvpDeploymentReconciler Reconciler) NewPlatform()
    {
        var platform = new InMemoryPlatform(new InMemoryPlatformOptions { ApplyDefaults = true, NormalizeValues = true });
        var options = new ReconcilerOptions { TransientRetries = 0, TransientRetryDelay = TimeSpan.Zero };
        options.WatchedNamespaces.Add("jobs");
        return (platform, new VvpDeploymentReconciler(platform, options));
    }

    // The properties run on the thread pool, not on one of the test framework's few threads, which other test
    // classes need meanwhile.
    [Fact]
    public Task Re_applying_an_unchanged_file_costs_at_most_one_bookkeeping_write_then_none_in_either_mode() => Task.Run(() =>
    {
        CrGen.Resource().Sample(
            cr =>
            {
                var (platform, reconciler) = NewPlatform();
                var first = reconciler.ReconcileAsync(cr).GetAwaiter().GetResult();
                first.Writes.Should().BeGreaterThanOrEqualTo(1, "the first apply creates the deployment");
                JsonRead(first.Status, "conditions", 0, "status").Should().Be("True");

                var later = new List<int>();
                for (var i = 0; i < ReApplies; i++)
                {
                    later.Add(reconciler.ReconcileAsync(cr).GetAwaiter().GetResult().Writes);
                }

                later.Sum().Should().BeLessThanOrEqualTo(1, "re-applies after the first: {0}", string.Join(", ", later));
                later.Skip(1).Should().OnlyContain(w => w == 0);
                platform.WriteCount.Should().Be(first.Writes + later.Sum());
            },
            iter: Iterations,
            print: cr => cr.ToJsonNode().ToJsonString());
    });

    [Fact]
    public Task Put_mode_adoption_followed_by_re_applies_never_loses_a_field_of_the_adopted_deployment() => Task.Run(() =>
    {
        var options = new PlannerOptions();
        Gen.Select(CrGen.Resource(put: true), CrGen.Live(options).Where(l => l is not null), Gen.Bool).Sample(
            (cr, live, writeBack) =>
            {
                var (platform, reconciler) = NewPlatform();
                live!["metadata"]!["annotations"]!.AsObject().Remove(options.OwnerAnnotation);
                var adopted = platform.Seed("default", live);
                var adoptedUser = UserPart(adopted, options);

                var adoption = reconciler.ReconcileAsync(cr).GetAwaiter().GetResult();
                adoption.Plan!.Reason.Should().Be(PlanReasons.Adopt);
                adoption.Writes.Should().BeGreaterThanOrEqualTo(1);
                var applied = cr;
                for (var i = 0; i <= ReApplies; i++)
                {
                    var result = i == 0 ? adoption : reconciler.ReconcileAsync(applied).GetAwaiter().GetResult();
                    if (writeBack && result.SpecUpdate is not null)
                    {
                        applied = applied.WithSpec(result.SpecUpdate);
                    }
                }

                var stated = StatedUserPart(cr);
                var final = UserPart(platform.Snapshot("default", "test-cr")!, options);
                foreach (var (path, value) in Leaves(adoptedUser, []))
                {
                    if (!Stated(stated, path))
                    {
                        Vvp.Reconciliation.Json.JsonEquality.Equals(At(final, path), value).Should().BeTrue(
                            "/{0} was on the adopted deployment and the CR never mentioned it (write-back {1})", string.Join('/', path), writeBack);
                    }
                }
            },
            iter: Iterations,
            print: t => $"{t.Item1.ToJsonNode().ToJsonString()} | {t.Item2!.ToJsonString()} | write-back {t.Item3}");
    });

    private static string? JsonRead(JsonNode? node, params object[] path)
    {
        foreach (var step in path)
        {
            node = step is int i ? (node as JsonArray)?[i] : (node as JsonObject)?[(string)step];
        }

        return node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
    }

    private static JsonObject UserPart(JsonObject deployment, PlannerOptions options)
    {
        var metadata = new JsonObject();
        foreach (var key in new[] { "displayName", "labels", "annotations" })
        {
            if (deployment["metadata"]?[key] is { } value)
            {
                metadata[key] = value.DeepClone();
            }
        }

        if (metadata["annotations"] is JsonObject annotations)
        {
            foreach (var key in annotations.Select(a => a.Key).Where(options.IsSystemAnnotation).ToList())
            {
                annotations.Remove(key);
            }
        }

        return new JsonObject { ["metadata"] = metadata, ["spec"] = deployment["spec"]?.DeepClone() };
    }

    private static JsonObject StatedUserPart(VvpDeploymentResource cr) => new JsonObject
    {
        ["metadata"] = cr.UserMetadata?.DeepClone(),
        ["spec"] = cr.DeploymentSpec?.DeepClone(),
    };

    // A path is stated when the CR holds a non-null value on it, or sets one of its ancestors whole (not an object).
    private static bool Stated(JsonObject stated, string[] path)
    {
        JsonNode? node = stated;
        foreach (var key in path)
        {
            if (node is not JsonObject obj)
            {
                return node is not null;
            }

            if (!obj.TryGetPropertyValue(key, out node) || node is null)
            {
                return false;
            }
        }

        return true;
    }

    private static JsonNode? At(JsonNode? node, string[] path)
    {
        foreach (var key in path)
        {
            node = (node as JsonObject)?[key];
        }

        return node;
    }

    private static IEnumerable<(string[] Path, JsonNode? Value)> Leaves(JsonNode? node, string[] path)
    {
        if (node is JsonObject { Count: > 0 } obj)
        {
            foreach (var (key, value) in obj)
            {
                foreach (var leaf in Leaves(value, [.. path, key]))
                {
                    yield return leaf;
                }
            }
        }
        else if (node is not JsonObject)
        {
            yield return (path, node);
        }
    }
}
