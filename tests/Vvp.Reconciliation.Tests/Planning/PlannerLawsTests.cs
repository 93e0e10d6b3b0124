using System.Text.Json.Nodes;
using CsCheck;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Planning;

/// <summary>Laws of the planner over generated CRs and live deployments (CsCheck), at least 1,000 cases each.</summary>
public sealed class PlannerLawsTests
{
    private const long Iterations = 1_500;
    private static readonly PlannerOptions Options = new() { Identity = "vvp-1" };
    private static readonly DeploymentPlanner Planner = new(Options);

    [Fact]
    public void Idempotence_applying_the_plan_then_planning_again_writes_nothing_in_PATCH_mode() => Idempotent(put: false);

    [Fact]
    public void Idempotence_applying_the_plan_then_planning_again_writes_nothing_in_PUT_mode() => Idempotent(put: true);

    [Fact]
    public void Patch_mode_request_never_contains_a_path_the_CR_does_not_mention_and_nothing_else_changes()
    {
        var wrote = 0;
        Gen.Select(CrGen.Resource(put: false), CrGen.Live(Options).Where(l => l is not null)).Sample((cr, live) =>
        {
            var plan = Planner.Plan(cr, live);
            if (!plan.IsWrite)
            {
                return;
            }

            Interlocked.Increment(ref wrote);

            // The CR owns every path it mentions, and everything below a value it sets whole (a scalar, an array or null).
            var userPart = CrUserPart(cr);
            var mentioned = Paths(userPart).ToHashSet(StringComparer.Ordinal);
            var setWhole = Leaves(userPart).ToList();
            bool Owned(string path) => mentioned.Contains(path) || setWhole.Any(l => path.StartsWith(l + "/", StringComparison.Ordinal));
            var marker = "/metadata/annotations/" + JsonPointerTextEscape(Options.OwnerAnnotation);
            var record = "/metadata/annotations/" + JsonPointerTextEscape(Options.AppliedAnnotation);
            foreach (var path in Leaves(plan.Request!))
            {
                if (path != marker && path != record && !Owned(path))
                {
                    throw new InvalidOperationException($"The request writes {path}, which the CR does not mention: {plan.Request!.ToJsonString()}");
                }
            }

            var after = (JsonObject)JsonMergePatch.Apply(live, plan.Request)!;
            foreach (var path in Leaves(live!))
            {
                if (!Owned(path) && path != marker && path != record &&
                    !JsonEquality.Equals(At(live!, path), At(after, path)))
                {
                    throw new InvalidOperationException($"{path} changed although the CR does not own it.");
                }
            }
        }, iter: Iterations, print: t => $"CR {t.Item1.ToJsonNode().ToJsonString()}\nLIVE {t.Item2?.ToJsonString()}");

        // The law says something only about plans that write: most generated cases must be such plans.
        wrote.Should().BeGreaterThan((int)(Iterations / 4));
    }

    [Fact]
    public void The_in_place_comparison_agrees_with_comparing_the_built_user_parts()
    {
        var equal = 0;
        var unequal = 0;
        Gen.Select(CrGen.Resource(), CrGen.Live(Options).Where(l => l is not null)).Sample((cr, live) =>
        {
            var liveUser = UserParts.FromDeployment(live!, Options);
            var crUser = UserParts.FromResource(UserMetadataScrubber.Scrub(cr.UserMetadata, Options), cr.DeploymentSpec, cr.Target!);
            var desired = cr.SyncingMode == SyncingMode.Patch
                ? UserParts.Normalize((JsonObject)JsonMergePatch.Apply(liveUser, crUser)!, Options)
                : UserParts.Normalize((JsonObject)UserParts.WithoutNulls(crUser)!, Options);
            var built = JsonEquality.Equals(desired, liveUser);
            var inPlace = cr.SyncingMode == SyncingMode.Patch
                ? UserPartComparer.PatchIsNoOp(cr, live!, Options)
                : UserPartComparer.PutEquals(cr, live!, Options);
            Interlocked.Increment(ref built ? ref equal : ref unequal);
            return built == inPlace;
        }, iter: Iterations, print: t => $"CR {t.Item1.ToJsonNode().ToJsonString()}\nLIVE {t.Item2?.ToJsonString()}");

        // Independent CRs and deployments rarely match: this law is tried on pairs that differ (most cases), the next one
        // on deployments written from their CR, which match.
        (equal + unequal).Should().Be((int)Iterations);
        unequal.Should().BeGreaterThan((int)(Iterations / 2));
    }

    [Fact]
    public void A_PATCH_mode_plan_sends_what_diffing_the_live_user_part_against_the_CR_merged_onto_it_gives()
    {
        var patched = 0;
        Gen.Select(CrGen.Resource(put: false), CrGen.Live(Options).Where(l => l is not null)).Sample((cr, live) =>
        {
            var plan = Planner.Plan(cr, live);
            if (plan.Action != PlanAction.Patch)
            {
                return true;
            }

            Interlocked.Increment(ref patched);

            // The definition: build both user parts, merge the CR onto the live one, diff the two trees.
            var liveUser = UserParts.FromDeployment(live!, Options);
            var crUser = UserParts.FromResource(UserMetadataScrubber.Scrub(cr.UserMetadata, Options), cr.DeploymentSpec, cr.Target!);
            var desired = UserParts.Normalize((JsonObject)JsonMergePatch.Apply(liveUser, crUser)!, Options);
            var diff = JsonPatch.Create(liveUser, desired);
            UserParts.EnsureAnnotations(liveUser);
            UserParts.EnsureAnnotations(desired);
            var body = (JsonObject)JsonMergePatch.Create(liveUser, desired)!;
            if (plan.Reason == PlanReasons.Adopt)
            {
                var metadata = body["metadata"] as JsonObject ?? [];
                body["metadata"] = metadata;
                var annotations = metadata["annotations"] as JsonObject ?? [];
                metadata["annotations"] = annotations;
                annotations[Options.OwnerAnnotation] = Options.OwnerOf(cr);
            }

            // The same operations in the same order, and the same body member for member, in the same order.
            // The last-applied record rides along in the write of a CR without a generation (§10), and only then.
            var recorded = JsonRead.String(plan.Request, "metadata", "annotations", Options.AppliedAnnotation) is not null;
            return recorded == (cr.Generation is null) &&
                   plan.Diff.ToJsonString() == diff.ToJsonString() &&
                   TestCrs.WithoutRecord(plan.Request!, Options.AppliedAnnotation).ToJsonString() == body.ToJsonString();
        }, iter: Iterations, print: t => $"CR {t.Item1.ToJsonNode().ToJsonString()}\nLIVE {t.Item2?.ToJsonString()}");

        patched.Should().BeGreaterThan((int)(Iterations / 4));
    }

    [Fact]
    public void The_in_place_comparison_agrees_also_when_the_live_deployment_was_written_from_the_CR()
    {
        var wrote = 0;
        Gen.Select(CrGen.Resource(), CrGen.Live(Options)).Sample((cr, live) =>
        {
            var plan = Planner.Plan(cr, live);
            if (!plan.IsWrite)
            {
                return true;
            }

            Interlocked.Increment(ref wrote);

            var written = TestCrs.ApplyWrite(plan, live);
            var next = TestCrs.WithSpecUpdate(cr, plan);
            return next.SyncingMode == SyncingMode.Patch
                ? UserPartComparer.PatchIsNoOp(next, written, Options)
                : UserPartComparer.PutEquals(next, written, Options);
        }, iter: Iterations);

        // The law speaks of written deployments: most generated cases must write, or it was never tried.
        wrote.Should().BeGreaterThan((int)(Iterations / 4));
    }

    [Fact]
    public void The_hash_written_from_the_deployment_equals_the_hash_of_its_built_user_part() =>
        CrGen.Live(Options).Where(l => l is not null).Sample(live =>
            UserParts.HashOfDeployment(live!, Options) == UserParts.Hash(UserParts.FromDeployment(live!, Options), Options),
            iter: Iterations);

    private static void Idempotent(bool put)
    {
        var wrote = 0;
        Gen.Select(CrGen.Resource(put), CrGen.Live(Options)).Sample((cr, live) =>
        {
            VvpDeploymentValidator.Validate(cr).Errors.Should().BeEmpty();
            var plan = Planner.Plan(cr, live);
            plan.Action.Should().NotBe(PlanAction.Blocked);
            if (!plan.IsWrite)
            {
                return;
            }

            Interlocked.Increment(ref wrote);
            var written = TestCrs.ApplyWrite(plan, live);
            var again = Planner.Plan(TestCrs.WithSpecUpdate(cr, plan), written);

            again.Action.Should().Be(PlanAction.None, "{0} then {1}", plan.ToJsonString(), again.ToJsonString());
        }, iter: Iterations, print: t => $"CR {t.Item1.ToJsonNode().ToJsonString()}\nLIVE {t.Item2?.ToJsonString()}");

        // Idempotence is a law of writing plans: most generated cases must write, or the law was never tried.
        wrote.Should().BeGreaterThan((int)(Iterations / 4));
    }

    private static JsonObject CrUserPart(VvpDeploymentResource cr) => new()
    {
        ["metadata"] = cr.UserMetadata?.DeepClone(),
        ["spec"] = cr.DeploymentSpec?.DeepClone(),
    };

    private static string JsonPointerTextEscape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary>Every path of the tree (containers and leaves); array elements are atomic.</summary>
    private static IEnumerable<string> Paths(JsonNode? node, string prefix = "")
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                var path = prefix + "/" + JsonPointerTextEscape(key);
                yield return path;
                foreach (var child in Paths(value, path))
                {
                    yield return child;
                }
            }
        }
    }

    /// <summary>The paths of non-object values (arrays and scalars are leaves).</summary>
    private static IEnumerable<string> Leaves(JsonNode? node, string prefix = "")
    {
        if (node is not JsonObject obj)
        {
            yield return prefix;
            yield break;
        }

        foreach (var (key, value) in obj)
        {
            foreach (var leaf in Leaves(value, prefix + "/" + JsonPointerTextEscape(key)))
            {
                yield return leaf;
            }
        }
    }

    private static JsonNode? At(JsonNode root, string pointer)
    {
        JsonNode? current = root;
        foreach (var token in pointer.Split('/').Skip(1))
        {
            var key = token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (current is not JsonObject obj || !obj.TryGetPropertyValue(key, out current))
            {
                return JsonValue.Create("<absent>");
            }
        }

        return current;
    }
}
