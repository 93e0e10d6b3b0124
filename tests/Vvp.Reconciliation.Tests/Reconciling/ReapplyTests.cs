using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Reconciling;

/// <summary>
/// A plain file applied again and again (no <c>metadata.generation</c>, nothing kept on the machine): the
/// last-applied record on the deployment (§10), PUT-mode adoption's guard (§7), and the corners of §3 and §11.
/// </summary>
public sealed class ReapplyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryPlatform _platform;
    private readonly VvpDeploymentReconciler _reconciler;

    public ReapplyTests()
    {
        _platform = new InMemoryPlatform(new InMemoryPlatformOptions { TimeProvider = _time, ApplyDefaults = true, NormalizeValues = true });
        var options = new ReconcilerOptions { TransientRetries = 0, TransientRetryDelay = TimeSpan.Zero };
        options.WatchedNamespaces.Add("default");
        _reconciler = new VvpDeploymentReconciler(_platform, options, timeProvider: _time);
    }

    private static VvpDeploymentResource PatchFile() =>
        TestCrs.Cr("""{"spec":{"deployment":{"spec":{"template":{"spec":{"resources":{"jobmanager":{"cpu":1,"memory":"1g"}}}}}}}}""");

    private static VvpDeploymentResource PutFile() =>
        TestCrs.PutCr("""{"spec":{"deployment":{"spec":{"template":{"spec":{"resources":{"jobmanager":{"cpu":1,"memory":"1g"}}}}}}}}""");

    private async Task<int> WritesOf(VvpDeploymentResource cr)
    {
        var before = _platform.WriteCount;
        var result = await _reconciler.ReconcileAsync(cr);
        (_platform.WriteCount - before).Should().Be(result.Writes, "the result counts every write it made");
        return result.Writes;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_unchanged_file_re_applied_writes_nothing_whatever_defaults_the_platform_adds_or_values_it_normalises(bool put)
    {
        var cr = put ? PutFile() : PatchFile();

        var first = await WritesOf(cr);
        var again = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            again.Add(await WritesOf(cr));
        }

        first.Should().Be(2, "the create, then the bookkeeping write of the applied record");
        again.Should().OnlyContain(w => w == 0);
        _platform.Snapshot("default", "test-cr")!["metadata"]!["annotations"]!["reconciliation.vvp/applied"]!.GetValue<string>()
            .Should().MatchRegex("^cr=[0-9a-f]{64} live=[0-9a-f]{64}$");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_edit_made_in_the_UI_is_still_corrected_for_a_CR_without_generation(bool put)
    {
        var cr = put ? PutFile() : PatchFile();
        await WritesOf(cr);
        _platform.Edit("default", "test-cr", d => d["spec"]!["maxJobCreationAttempts"] = 5);

        var writes = await WritesOf(cr);

        writes.Should().Be(1, "the correction; the corrected deployment is the one the applied record describes, so the record stands");
        _platform.Snapshot("default", "test-cr")!["spec"]!["maxJobCreationAttempts"]!.GetValue<int>().Should().Be(99);
        (await WritesOf(cr)).Should().Be(0);
    }

    [Fact]
    public async Task A_changed_file_is_written_once_its_record_in_the_same_write()
    {
        await WritesOf(PatchFile());
        var edited = TestCrs.Cr("""{"spec":{"deployment":{"spec":{"maxJobCreationAttempts":7}}}}""");

        (await WritesOf(edited)).Should().Be(1, "the platform keeps the change as sent, so the record predicted from it stands");
        (await WritesOf(edited)).Should().Be(0);
        _platform.Snapshot("default", "test-cr")!["spec"]!["maxJobCreationAttempts"]!.GetValue<int>().Should().Be(7);
    }

    [Fact]
    public async Task The_applied_record_is_used_only_for_a_CR_without_generation()
    {
        var cr = PatchFile().WithGeneration(1);

        var result = await _reconciler.ReconcileAsync(cr);

        result.Writes.Should().Be(1);
        _platform.Snapshot("default", "test-cr")!["metadata"]!["annotations"]!.AsObject().ContainsKey("reconciliation.vvp/applied").Should().BeFalse();
    }

    [Fact]
    public async Task The_applied_record_of_another_CR_text_never_counts_as_in_sync()
    {
        await WritesOf(PatchFile());
        var record = _platform.Snapshot("default", "test-cr")!["metadata"]!["annotations"]!["reconciliation.vvp/applied"]!.GetValue<string>();

        var plan = _reconciler.Planner.Plan(TestCrs.Cr("""{"spec":{"deployment":{"spec":{"state":"RUNNING"}}}}"""), _platform.Snapshot("default", "test-cr"));

        plan.Action.Should().Be(PlanAction.Patch);
        record.Should().StartWith("cr=");
    }

    // §7 PUT-mode adoption

    private void SeedForAdoption() =>
        _platform.Seed("default", (JsonObject)JsonNode.Parse("""
            {"metadata":{"name":"test-cr","displayName":"made in the UI","labels":{"team":"data"}},
             "spec":{"state":"CANCELLED","deploymentTargetName":"test-target","jobFailureExpirationTime":"2h",
                     "template":{"spec":{"artifact":{"kind":"JAR","jarUri":"file:///a.jar"},"parallelism":3}}}}
            """)!);

    [Fact]
    public async Task Put_mode_adoption_treats_null_as_absent_and_sends_no_null()
    {
        SeedForAdoption();
        var cr = TestCrs.CrWith(d => d["spec"]!["deployment"]!["spec"]!["jobFailureExpirationTime"] = null, put: true);

        var plan = _reconciler.Planner.Plan(cr, _platform.Snapshot("default", "test-cr"));

        plan.Reason.Should().Be(PlanReasons.Adopt);
        plan.Request!.ToJsonString().Should().NotContain("null");
        plan.SpecUpdate!["deployment"]!["spec"]!["jobFailureExpirationTime"]!.GetValue<string>().Should().Be("2h", "adoption never removes a live field");
    }

    [Fact]
    public async Task A_PUT_that_would_remove_fields_adoption_synced_back_is_refused_naming_them()
    {
        SeedForAdoption();
        var partial = TestCrs.PutCr();
        (await _reconciler.ReconcileAsync(partial)).Plan!.Reason.Should().Be(PlanReasons.Adopt);
        // The file never took the sync-back and is then edited: a PUT of it would erase what adoption kept.
        var edited = TestCrs.PutCr("""{"spec":{"deployment":{"spec":{"maxJobCreationAttempts":5}}}}""");
        var before = _platform.Snapshot("default", "test-cr")!;
        _platform.ClearCalls();

        var result = await _reconciler.ReconcileAsync(edited);

        result.Writes.Should().Be(0);
        _platform.Calls.Should().OnlyContain(c => c.Operation == PlatformOperation.GetDeployment);
        result.Plan!.Action.Should().Be(PlanAction.Blocked);
        result.Plan.Reason.Should().Be(PlanReasons.AdoptedFieldsMissing);
        result.Plan.Errors.Select(e => e.Path).Should().Contain(["/spec/deployment/spec/jobFailureExpirationTime", "/spec/deployment/userMetadata/labels"]);
        result.Events.Should().Contain(e => e.Reason == "AdoptedFieldsMissing" && e.Message.Contains("/spec/jobFailureExpirationTime"));
        result.SpecUpdate!["deployment"]!["spec"]!["jobFailureExpirationTime"]!.GetValue<string>().Should().Be("2h");
        result.SpecUpdate["deployment"]!["spec"]!["maxJobCreationAttempts"]!.GetValue<int>().Should().Be(5, "the CR's own edit is kept in the sync-back");
        Vvp.Reconciliation.Json.JsonEquality.Equals(_platform.Snapshot("default", "test-cr"), before).Should().BeTrue();
    }

    [Fact]
    public async Task The_unchanged_partial_file_re_applied_after_adoption_writes_nothing_and_loses_nothing()
    {
        SeedForAdoption();
        var partial = TestCrs.PutCr();
        await WritesOf(partial);

        for (var i = 0; i < 5; i++)
        {
            (await WritesOf(partial)).Should().Be(0);
        }

        var live = _platform.Snapshot("default", "test-cr")!;
        live["spec"]!["jobFailureExpirationTime"]!.GetValue<string>().Should().Be("2h");
        live["metadata"]!["labels"]!["team"]!.GetValue<string>().Should().Be("data");
    }

    [Fact]
    public async Task Adoption_costs_one_write_and_its_guard_ends_with_the_next_PUT_not_with_a_write_of_its_own()
    {
        SeedForAdoption();
        var adopted = await _reconciler.ReconcileAsync(TestCrs.PutCr());
        var complete = TestCrs.PutCr().WithSpec(adopted.SpecUpdate!);

        adopted.Writes.Should().Be(1, "the adoption PATCH carries the owner marker, the guard and the record of the CR as written back");
        for (var i = 0; i < 3; i++)
        {
            (await WritesOf(complete)).Should().Be(0, "the CR states what adoption synced back: the record of it stands");
        }

        _platform.Snapshot("default", "test-cr")!["metadata"]!["annotations"]!.AsObject().ContainsKey("reconciliation.vvp/adopted-fields").Should().BeTrue();

        // While the guard stands, dropping an adopted field from the CR is refused; a removal asked for knowingly (null) is what PUT means, and that PUT leaves the guard out.
        var dropped = complete.ToJsonNode();
        dropped["spec"]!["deployment"]!["spec"]!.AsObject().Remove("jobFailureExpirationTime");
        (await _reconciler.ReconcileAsync(VvpDeploymentResource.FromDocument(dropped))).Plan!.Reason.Should().Be(PlanReasons.AdoptedFieldsMissing);
        var removed = complete.ToJsonNode();
        removed["spec"]!["deployment"]!["spec"]!["jobFailureExpirationTime"] = null;
        (await WritesOf(VvpDeploymentResource.FromDocument(removed))).Should().BeInRange(1, 2, "one PUT, and one record write when the platform normalises what it was sent");
        var live = _platform.Snapshot("default", "test-cr")!;
        live["spec"]!.AsObject().ContainsKey("jobFailureExpirationTime").Should().BeFalse();
        live["metadata"]!["annotations"]!.AsObject().ContainsKey("reconciliation.vvp/adopted-fields").Should().BeFalse();
        (await WritesOf(VvpDeploymentResource.FromDocument(removed))).Should().Be(0);
    }

    // §11 Initial savepoint for an existing deployment

    [Fact]
    public void A_skipped_initial_savepoint_of_an_existing_deployment_names_each_unmet_condition()
    {
        var cr = TestCrs.Cr("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp"},"deployment":{"spec":{"state":"RUNNING","restoreStrategy":{"kind":"NONE"}}}}}""");

        var plan = new DeploymentPlanner().Plan(cr, TestCrs.Live());

        plan.Savepoint!.Register.Should().BeFalse();
        plan.Savepoint.Reasons.Should().Equal(
            "spec.deployment.spec.state is RUNNING, not CANCELLED",
            "spec.deployment.spec.restoreStrategy.kind is NONE",
            "the deployment already exists");
        plan.Warnings.Should().ContainSingle(w => w.Path == "/spec/initialSavepointSpec").Which.Message.Should().Contain("RUNNING").And.Contain("NONE").And.Contain("already exists");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_restore_strategy_NONE_from_initFields_is_reported_under_its_initFields_path(bool exists)
    {
        var cr = TestCrs.Cr("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp"},"initFields":{"spec":{"restoreStrategy":{"kind":"NONE"}}}}}""");

        var plan = new DeploymentPlanner().Plan(cr, exists ? TestCrs.Live() : null);

        plan.Savepoint!.Reasons.Should().Contain("spec.initFields.spec.restoreStrategy.kind is NONE");
        plan.Savepoint.Reasons.Should().NotContain(r => r.StartsWith("spec.deployment.spec.restoreStrategy", StringComparison.Ordinal));
    }

    [Fact]
    public void A_state_from_initFields_is_reported_under_its_initFields_path()
    {
        var cr = TestCrs.CrWith(d =>
        {
            d["spec"]!["deployment"]!["spec"]!.AsObject().Remove("state");
            d["spec"]!["initFields"]!["spec"]!["state"] = "RUNNING";
            d["spec"]!["initialSavepointSpec"] = new JsonObject { ["savepointLocation"] = "s3://b/sp" };
        });

        var plan = new DeploymentPlanner().Plan(cr, null);

        plan.Savepoint!.Reasons.Should().Equal("spec.initFields.spec.state is RUNNING, not CANCELLED");
    }

    // §3 The CR's own name

    [Fact]
    public void A_CR_without_metadata_name_is_invalid_because_the_owner_marker_needs_it()
    {
        var cr = TestCrs.CrWith(d => d["metadata"]!.AsObject().Remove("name"));

        var plan = new DeploymentPlanner().Plan(cr, null);

        plan.Action.Should().Be(PlanAction.Blocked);
        plan.Errors.Should().ContainSingle(e => e.Path == "/metadata/name").Which.Message.Should().Contain("owner marker");
    }
}
