using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Planning;

/// <summary>One test (at least) per rule of the sync semantics, named after the rule.</summary>
public sealed class DeploymentPlannerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly DeploymentPlanner _planner;

    public DeploymentPlannerTests()
    {
        _planner = new DeploymentPlanner(new PlannerOptions { TimeProvider = _time });
    }

    // §2 Target identity

    [Fact]
    public void Target_is_userMetadata_namespace_and_name()
    {
        _planner.Plan(TestCrs.Cr("""{"spec":{"deployment":{"userMetadata":{"namespace":"vvp-some-user"}}}}"""), null)
            .Target.Should().Be(new DeploymentTarget("vvp-some-user", "test-cr"));
    }

    [Fact]
    public void Missing_namespace_means_the_platform_namespace_default()
    {
        var plan = _planner.Plan(TestCrs.Cr("""{"metadata":{"namespace":"k8s-ns"},"spec":{"deployment":{"userMetadata":{"namespace":null}}}}"""), null);

        plan.Target.Should().Be(new DeploymentTarget("default", "test-cr"));
        plan.Request!["metadata"]!["namespace"]!.GetValue<string>().Should().Be("default");
    }

    [Fact]
    public void A_CR_pointing_at_a_different_deployment_proceeds_with_the_current_target_and_warns_naming_both_ids()
    {
        var cr = TestCrs.Cr("""{"status":{"customResourceStatus":{"deploymentId":"old-id"}}}""");

        var plan = _planner.Plan(cr, TestCrs.Live());

        plan.Action.Should().NotBe(PlanAction.Blocked);
        plan.Warnings.Should().ContainSingle(w => w.Message.Contains("old-id") && w.Message.Contains("11111111-2222-3333-4444-555555555555"));
        plan.Request?.ToJsonString().Should().NotContain("old-id");
    }

    // §3 Validation before any platform call

    [Fact]
    public void An_invalid_CR_is_blocked_with_no_request_and_status_InvalidSpec()
    {
        var cr = TestCrs.Cr("""{"spec":{"deployment":{"spec":{"state":"PAUSED","deploymentTargetName":null}}}}""");

        var plan = _planner.Plan(cr, TestCrs.Live());

        plan.Action.Should().Be(PlanAction.Blocked);
        plan.Reason.Should().Be(PlanReasons.Invalid);
        plan.Request.Should().BeNull();
        plan.Errors.Select(e => e.Path).Should().Equal("/spec/deployment/spec", "/spec/deployment/spec/state");
        var synced = Condition(plan, "Synced");
        synced["status"]!.GetValue<string>().Should().Be("False");
        synced["reason"]!.GetValue<string>().Should().Be("InvalidSpec");
    }

    [Fact]
    public void InitFields_with_PUT_is_an_error_supported_only_in_patch_mode()
    {
        var errors = VvpDeploymentValidator.Validate(TestCrs.Cr("""{"spec":{"syncingMode":"PUT"}}""")).Errors;

        errors.Should().ContainSingle().Which.Should().Be(new ResourceMessage("/spec/initFields", "initFields is supported only in patch mode (syncingMode: PATCH)."));
    }

    [Fact]
    public void Absent_syncingMode_means_PATCH()
    {
        var cr = TestCrs.Cr("""{"spec":{"syncingMode":null}}""");

        cr.SyncingMode.Should().Be(SyncingMode.Patch);
        _planner.Plan(cr, TestCrs.Live("""{"spec":{"extra":1}}""")).Request.Should().BeNull("PATCH mode keeps what the CR does not mention");
    }

    [Theory]
    [InlineData("""{"kind":"Deployment"}""", "/kind", "The value must be one of: VvpDeployment.")]
    [InlineData("""{"apiVersion":"ververica.platform/v2"}""", "/apiVersion", "apiVersion must be ververica.platform/v1.")]
    [InlineData("""{"spec":{"deployment":{"userMetadata":{"name":"Test_CR"}}}}""", "/spec/deployment/userMetadata/name", "'Test_CR' is not a valid deployment name*")]
    [InlineData("""{"spec":{"deployment":{"userMetadata":{"name":null}}}}""", "/spec/deployment/userMetadata/name", "This field is required*")]
    public void Kind_apiVersion_and_the_deployment_name_are_checked(string patch, string path, string message)
    {
        var error = VvpDeploymentValidator.Validate(TestCrs.Cr(patch)).Errors.Should().ContainSingle().Subject;

        error.Path.Should().Be(path);
        error.Message.Should().Match(message);
    }

    [Fact]
    public void A_name_longer_than_63_characters_is_not_a_DNS_1123_label()
    {
        VvpDeploymentValidator.IsDns1123Label(new string('a', 63)).Should().BeTrue();
        VvpDeploymentValidator.IsDns1123Label(new string('a', 64)).Should().BeFalse();
        VvpDeploymentValidator.IsDns1123Label("-a").Should().BeFalse();
    }

    [Fact]
    public void A_failed_anyOf_is_one_error_naming_the_alternatives()
    {
        var errors = VvpDeploymentValidator.Validate(TestCrs.Cr("""{"spec":{"deployment":{"spec":{"template":{"spec":{"artifact":{"kind":"WAR"}}}}}}}""")).Errors;

        errors.Should().ContainSingle().Which.Message.Should().Contain("JAR with jarUri").And.Contain("PYTHON").And.Contain("SQLSCRIPT");
    }

    [Fact]
    public void Both_spellings_of_the_SQL_script_artifact_kind_are_accepted()
    {
        foreach (var kind in new[] { "SQLSCRIPT", "sqlscript" })
        {
            var cr = TestCrs.Cr("""{"spec":{"deployment":{"spec":{"template":{"spec":{"artifact":{"kind":"KIND","jarUri":null,"sqlScript":"SELECT 1"}}}}}}}""".Replace("KIND", kind, StringComparison.Ordinal));
            VvpDeploymentValidator.Validate(cr).IsValid.Should().BeTrue(kind);
        }
    }

    [Fact]
    public void DisplayName_is_not_required()
    {
        VvpDeploymentValidator.Validate(TestCrs.Cr("""{"spec":{"initFields":null}}""")).IsValid.Should().BeTrue();
    }

    [Fact]
    public void All_errors_are_reported_together_each_with_a_pointer()
    {
        var cr = TestCrs.Cr("""{"kind":"X","spec":{"syncingMode":"SOMETIMES","deployment":{"spec":{"parallelism":"two","template":{"spec":{"parallelism":"two"}}}}}}""");

        VvpDeploymentValidator.Validate(cr).Errors.Select(e => e.Path).Should().Equal(
            "/kind", "/spec/deployment/spec/template/spec/parallelism", "/spec/syncingMode");
    }

    [Fact]
    public void Unknown_fields_inside_the_deployment_spec_are_kept_and_sent()
    {
        var plan = _planner.Plan(TestCrs.Cr("""{"spec":{"deployment":{"spec":{"futureFeature":{"enabled":true}}}}}"""), null);

        plan.Request!["spec"]!["futureFeature"]!.ToJsonString().Should().Be("""{"enabled":true}""");
    }

    [Fact]
    public void In_PATCH_mode_null_removes_the_field_from_the_platform_deployment()
    {
        var cr = TestCrs.CrWith(doc => doc["spec"]!["deployment"]!["spec"]!["upgradeStrategy"] = null);
        cr.DeploymentSpec!.ContainsKey("upgradeStrategy").Should().BeTrue("the CR holds an explicit null");

        var plan = _planner.Plan(cr, TestCrs.Live());

        plan.Action.Should().Be(PlanAction.Patch);
        TestCrs.WithoutRecord(plan.Request!).ToJsonString().Should().Be("""{"spec":{"upgradeStrategy":null}}""");
        plan.Diff.Operations.Select(o => o.ToString()).Should().Equal("remove /spec/upgradeStrategy");
    }

    [Fact]
    public void In_PUT_mode_null_equals_absent()
    {
        var withNull = TestCrs.CrWith(doc => doc["spec"]!["deployment"]!["spec"]!["maxJobCreationAttempts"] = null, put: true);
        var without = TestCrs.CrWith(doc => doc["spec"]!["deployment"]!["spec"]!.AsObject().Remove("maxJobCreationAttempts"), put: true).ToJsonNode();
        withNull.DeploymentSpec!.ContainsKey("maxJobCreationAttempts").Should().BeTrue();

        var live = TestCrs.Live();
        TestCrs.WithoutRecord(_planner.Plan(withNull, live).Request!).ToJsonString().Should().Be(TestCrs.WithoutRecord(_planner.Plan(VvpDeploymentResource.FromDocument(without), live).Request!).ToJsonString());
        _planner.Plan(withNull, null).Request!["spec"]!.AsObject().ContainsKey("maxJobCreationAttempts").Should().BeFalse();
    }

    // §4 userMetadata scrubbing

    [Fact]
    public void Invalid_userMetadata_keys_are_erased_with_a_warning_per_path_and_a_spec_update()
    {
        var cr = TestCrs.Cr("""{"spec":{"deployment":{"userMetadata":{"id":"x","resourceVersion":3}},"initFields":{"userMetadata":{"createdAt":"2020-01-01T00:00:00Z"}}}}""");

        var plan = _planner.Plan(cr, null);

        plan.Warnings.Select(w => w.Path).Should().BeEquivalentTo(
            "/spec/deployment/userMetadata/id", "/spec/deployment/userMetadata/resourceVersion", "/spec/initFields/userMetadata/createdAt");
        plan.SpecUpdate!["deployment"]!["userMetadata"]!.ToJsonString().Should().Be("""{"name":"test-cr","namespace":"default"}""");
        plan.SpecUpdate["initFields"]!["userMetadata"]!.ToJsonString().Should().Be("""{"displayName":"abc"}""");
        plan.Request!["metadata"]!.AsObject().Select(p => p.Key).Should().NotContain(["id", "resourceVersion", "createdAt"]);
    }

    [Fact]
    public void System_annotations_are_erased_from_userMetadata_annotations()
    {
        var cr = TestCrs.Cr("""{"spec":{"deployment":{"userMetadata":{"annotations":{"keep":"yes","com.dataartisans.appmanager.controller.deployment.transitioning":"true","reconciliation.vvp/owner":"me"}}}}}""");

        var plan = _planner.Plan(cr, null);

        plan.Warnings.Select(w => w.Path).Should().BeEquivalentTo(
            "/spec/deployment/userMetadata/annotations/com.dataartisans.appmanager.controller.deployment.transitioning",
            "/spec/deployment/userMetadata/annotations/reconciliation.vvp~1owner");
        TestCrs.WithoutRecord(plan.Request!)["metadata"]!["annotations"]!.ToJsonString().Should().Be("""{"keep":"yes","reconciliation.vvp/owner":"vvp-1/default/test-cr"}""");
    }

    [Fact]
    public void Nothing_erased_means_no_spec_update()
    {
        _planner.Plan(TestCrs.Cr(), null).SpecUpdate.Should().BeNull();
        _planner.Plan(TestCrs.Cr(), TestCrs.Live()).SpecUpdate.Should().BeNull();
    }

    // §5 Create

    [Fact]
    public void Create_merges_initFields_under_the_deployment_and_the_deployment_wins()
    {
        var cr = TestCrs.Cr("""{"spec":{"initFields":{"spec":{"maxJobCreationAttempts":1,"parallelismHint":7}}}}""");

        var plan = _planner.Plan(cr, null);

        plan.Action.Should().Be(PlanAction.Create);
        plan.Request!["metadata"]!["displayName"]!.GetValue<string>().Should().Be("abc");
        plan.Request["spec"]!["maxSavepointCreationAttempts"]!.GetValue<int>().Should().Be(999);
        plan.Request["spec"]!["maxJobCreationAttempts"]!.GetValue<int>().Should().Be(99);
        plan.Request["spec"]!["parallelismHint"]!.GetValue<int>().Should().Be(7);
    }

    [Fact]
    public void InitFields_are_never_applied_on_adoption_or_later()
    {
        var adopted = _planner.Plan(TestCrs.Cr(), TestCrs.Live("""{"metadata":{"displayName":"changed in the UI"},"spec":{"maxSavepointCreationAttempts":4,"maxJobCreationAttempts":5}}""", marker: false));
        var later = _planner.Plan(TestCrs.Cr(), TestCrs.Live("""{"metadata":{"displayName":"changed in the UI"},"spec":{"maxSavepointCreationAttempts":4}}"""));

        adopted.Request!.ToJsonString().Should().NotContain("abc").And.NotContain("999");
        later.Action.Should().Be(PlanAction.None);
    }

    [Fact]
    public void Create_uses_POST_in_both_modes()
    {
        _planner.Plan(TestCrs.Cr(), null).Action.Should().Be(PlanAction.Create);
        _planner.Plan(TestCrs.PutCr(), null).Action.Should().Be(PlanAction.Create);
    }

    // §6 PATCH mode

    [Fact]
    public void Patch_mode_in_sync_means_no_write()
    {
        var plan = _planner.Plan(TestCrs.Cr(), TestCrs.Live());

        plan.Action.Should().Be(PlanAction.None);
        plan.Reason.Should().Be(PlanReasons.InSync);
        plan.Request.Should().BeNull();
        Condition(plan, "Synced")["status"]!.GetValue<string>().Should().Be("True");
    }

    [Fact]
    public void Equality_ignores_key_order_number_form_empty_labels_and_system_annotations()
    {
        var live = TestCrs.Live("""{"metadata":{"labels":null,"annotations":{"com.dataartisans.appmanager.controller.deployment.spec.version":"9"}}}""");
        live["spec"]!["maxJobCreationAttempts"] = JsonNode.Parse("99.0");
        var cr = TestCrs.Cr("""{"spec":{"deployment":{"userMetadata":{"labels":{},"annotations":{}}}}}""");

        _planner.Plan(cr, live).Action.Should().Be(PlanAction.None);
    }

    [Fact]
    public void Patch_body_is_the_minimal_merge_patch_of_the_owned_paths_that_differ()
    {
        var live = TestCrs.Live("""{"spec":{"state":"RUNNING","maxJobCreationAttempts":4,"template":{"spec":{"parallelism":8}}}}""");

        var plan = _planner.Plan(TestCrs.Cr(), live);

        plan.Action.Should().Be(PlanAction.Patch);
        plan.Reason.Should().Be(PlanReasons.Drift);
        TestCrs.WithoutRecord(plan.Request!).ToJsonString().Should().Be("""{"spec":{"state":"CANCELLED","maxJobCreationAttempts":99}}""");
    }

    [Fact]
    public void Patch_mode_never_removes_fields_the_CR_does_not_mention()
    {
        var live = TestCrs.Live("""{"metadata":{"labels":{"team":"data"}},"spec":{"state":"RUNNING","jobFailureExpirationTime":"1h"}}""");

        var plan = _planner.Plan(TestCrs.Cr(), live);
        var after = JsonMergePatch.Apply(live, plan.Request);

        after!["metadata"]!["labels"]!["team"]!.GetValue<string>().Should().Be("data");
        after["spec"]!["jobFailureExpirationTime"]!.GetValue<string>().Should().Be("1h");
        after["spec"]!["upgradeStrategy"].Should().NotBeNull();
    }

    [Fact]
    public void Removing_every_user_annotation_never_sends_annotations_null_which_would_drop_system_annotations()
    {
        var cr = TestCrs.CrWith(doc => doc["spec"]!["deployment"]!["userMetadata"]!["annotations"] = null);
        var live = TestCrs.Live("""{"metadata":{"annotations":{"note":"n"}}}""", marker: false);

        var plan = _planner.Plan(cr, live);

        TestCrs.WithoutRecord(plan.Request!)["metadata"]!["annotations"]!.ToJsonString().Should().Be("""{"note":null,"reconciliation.vvp/owner":"vvp-1/default/test-cr"}""");
        var after = (JsonObject)JsonMergePatch.Apply(live, plan.Request)!;
        after["metadata"]!["annotations"]!.AsObject().Select(a => a.Key).Should().BeEquivalentTo(
            [.. PlannerOptions.PlatformSystemAnnotations, "reconciliation.vvp/owner", "reconciliation.vvp/applied"]);
        _planner.Plan(cr, after).Action.Should().Be(PlanAction.None);
    }

    [Fact]
    public void Arrays_are_atomic_and_replaced_whole()
    {
        var cr = TestCrs.Cr("""{"spec":{"deployment":{"spec":{"template":{"spec":{"artifact":{"additionalDependencies":["a.jar","b.jar"]}}}}}}}""");
        var live = TestCrs.Live("""{"spec":{"template":{"spec":{"artifact":{"additionalDependencies":["a.jar","c.jar","d.jar"]}}}}}""");

        var plan = _planner.Plan(cr, live);

        TestCrs.WithoutRecord(plan.Request!).ToJsonString().Should().Be("""{"spec":{"template":{"spec":{"artifact":{"additionalDependencies":["a.jar","b.jar"]}}}}}""");
    }

    [Fact]
    public void A_resource_planned_again_sends_its_long_array_whole_each_time_and_each_plan_owns_its_body()
    {
        var jars = new JsonArray([.. Enumerable.Range(0, 500).Select(i => (JsonNode?)$"s3://bucket/dependency-{i}.jar")]);
        var cr = TestCrs.Cr(new JsonObject { ["spec"] = new JsonObject { ["deployment"] = new JsonObject { ["spec"] = new JsonObject { ["template"] = new JsonObject { ["spec"] = new JsonObject { ["artifact"] = new JsonObject { ["additionalDependencies"] = jars.DeepClone() } } } } } } }.ToJsonString());
        jars[250] = "drifted.jar";
        var live = TestCrs.Live(new JsonObject { ["spec"] = new JsonObject { ["template"] = new JsonObject { ["spec"] = new JsonObject { ["artifact"] = new JsonObject { ["additionalDependencies"] = jars } } } } }.ToJsonString());

        // One resource planned as a resync plans it while the deployment stays drifted.
        var plans = Enumerable.Range(0, 3).Select(_ => _planner.Plan(cr, live)).ToList();
        var expected = TestCrs.WithoutRecord(plans[0].Request!).ToJsonString();
        expected.Should().Contain("dependency-250.jar").And.NotContain("drifted.jar");
        foreach (var plan in plans)
        {
            plan.Action.Should().Be(PlanAction.Patch);
            TestCrs.WithoutRecord(plan.Request!).ToJsonString().Should().Be(expected);
            plan.Diff.ToJsonString().Should().Be("""[{"op":"replace","path":"/spec/template/spec/artifact/additionalDependencies/250","value":"s3://bucket/dependency-250.jar"}]""");
        }

        var sent = plans[1].Request!["spec"]!["template"]!["spec"]!["artifact"]!["additionalDependencies"]!.AsArray();
        sent[0] = "changed by the caller";
        sent.Add("added by the caller");
        TestCrs.WithoutRecord(plans[2].Request!).ToJsonString().Should().Be(expected);
        TestCrs.WithoutRecord(_planner.Plan(cr, live).Request!).ToJsonString().Should().Be(expected);
        cr.DeploymentSpec!.ToJsonString().Should().NotContain("changed by the caller");
    }

    // §7 PUT mode

    [Fact]
    public void Put_mode_adoption_patches_then_syncs_the_patched_result_back_to_the_CR()
    {
        var live = TestCrs.Live("""{"spec":{"state":"RUNNING"}}""", marker: false);

        var plan = _planner.Plan(TestCrs.PutCr(), live);

        plan.Action.Should().Be(PlanAction.Patch);
        plan.Reason.Should().Be(PlanReasons.Adopt);
        plan.Request!["spec"]!.ToJsonString().Should().Be("""{"state":"CANCELLED"}""");
        plan.Request["metadata"]!["annotations"]!["reconciliation.vvp/owner"]!.GetValue<string>().Should().Be("vvp-1/default/test-cr");
        var synced = plan.SpecUpdate!["deployment"]!;
        synced["spec"]!["upgradeStrategy"]!["kind"]!.GetValue<string>().Should().Be("STATEFUL", "fields the CR did not write are synced back");
        synced["spec"]!["state"]!.GetValue<string>().Should().Be("CANCELLED");
        synced["userMetadata"]!["displayName"]!.GetValue<string>().Should().Be("abc");
        synced["userMetadata"]!.ToJsonString().Should().NotContain("com.dataartisans").And.NotContain("reconciliation.vvp");
    }

    [Fact]
    public void Put_mode_replace_removes_fields_absent_from_the_CR_and_carries_system_annotations_over()
    {
        var live = TestCrs.Live();

        var plan = _planner.Plan(TestCrs.PutCr(), live);

        plan.Action.Should().Be(PlanAction.Replace);
        var spec = plan.Request!["spec"]!.AsObject();
        spec.ContainsKey("upgradeStrategy").Should().BeFalse();
        spec.ContainsKey("maxSavepointCreationAttempts").Should().BeFalse();
        plan.Request["metadata"]!.AsObject().ContainsKey("displayName").Should().BeFalse();
        var annotations = plan.Request["metadata"]!["annotations"]!;
        foreach (var key in PlannerOptions.PlatformSystemAnnotations)
        {
            annotations[key]!.GetValue<string>().Should().Be(live["metadata"]!["annotations"]![key]!.GetValue<string>());
        }

        annotations["reconciliation.vvp/owner"]!.GetValue<string>().Should().Be("vvp-1/default/test-cr");
    }

    [Fact]
    public void Put_mode_in_sync_means_no_write()
    {
        var live = TestCrs.ApplyWrite(_planner.Plan(TestCrs.PutCr(), null), null);

        _planner.Plan(TestCrs.PutCr(), live).Action.Should().Be(PlanAction.None);
    }

    // §8 Ownership marker

    [Fact]
    public void Create_and_adoption_stamp_the_owner_marker()
    {
        var options = new PlannerOptions { Identity = "vvp-2", MarkerPrefix = "example.com/" };
        var planner = new DeploymentPlanner(options);
        var cr = TestCrs.Cr("""{"metadata":{"namespace":"jobs"}}""");

        planner.Plan(cr, null).Request!["metadata"]!["annotations"]!["example.com/owner"]!.GetValue<string>().Should().Be("vvp-2/jobs/test-cr");
        var adopt = planner.Plan(cr, TestCrs.Live("""{"spec":{"maxJobCreationAttempts":5}}""", marker: false));
        adopt.Reason.Should().Be(PlanReasons.Adopt);
        TestCrs.WithoutRecord(adopt.Request!, "example.com/applied").ToJsonString().Should().Be("""{"spec":{"maxJobCreationAttempts":99},"metadata":{"annotations":{"example.com/owner":"vvp-2/jobs/test-cr"}}}""");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_deployment_that_already_is_as_the_CR_states_is_not_written_for_its_marker_alone_but_adopted_with_the_first_change(bool put)
    {
        // In PUT mode the CR states the whole deployment: the one export writes.
        var live = TestCrs.Live(marker: false);
        var document = put ? _planner.Export(live, SyncingMode.Put) : TestCrs.SeedDocument();
        var cr = VvpDeploymentResource.FromDocument(document);
        document["spec"]!["deployment"]!["spec"]!["maxJobCreationAttempts"] = 5;

        var plan = _planner.Plan(cr, live);
        var changed = _planner.Plan(VvpDeploymentResource.FromDocument(document), live);

        plan.Action.Should().Be(PlanAction.None);
        plan.Reason.Should().Be(PlanReasons.InSync);
        VvpDeploymentStatus.From(plan.Status).Synced!.Message.Should().Contain("adopted with the first change");
        changed.Reason.Should().Be(PlanReasons.Adopt);
        changed.Request!["metadata"]!["annotations"]!["reconciliation.vvp/owner"]!.GetValue<string>().Should().Be("vvp-1/default/test-cr");
    }

    [Fact]
    public void A_deployment_owned_by_another_is_not_written()
    {
        var plan = _planner.Plan(TestCrs.Cr(), TestCrs.Live("""{"spec":{"state":"RUNNING"}}""", owner: "vvp-9/other/cr"));

        plan.Action.Should().Be(PlanAction.Blocked);
        plan.Reason.Should().Be(PlanReasons.OwnedByAnother);
        plan.Request.Should().BeNull();
        var synced = Condition(plan, "Synced");
        synced["reason"]!.GetValue<string>().Should().Be("OwnedByAnother");
        synced["message"]!.GetValue<string>().Should().Contain("vvp-9/other/cr");
    }

    [Fact]
    public void Marker_annotations_are_shown_in_status_as_system_metadata()
    {
        var plan = _planner.Plan(TestCrs.Cr(), TestCrs.Live());

        plan.Status!["deploymentSystemMetadata"]!["annotations"]!["reconciliation.vvp/owner"]!.GetValue<string>().Should().Be("vvp-1/default/test-cr");
    }

    // §9 Status projection

    [Fact]
    public void Status_projects_the_live_deployment_verbatim_and_its_system_metadata()
    {
        var live = TestCrs.Live("""{"spec":{"state":"RUNNING"},"status":{"state":"TRANSITIONING","running":{"jobId":"j"}}}""");

        var status = _planner.Plan(TestCrs.Cr("""{"metadata":{"generation":3}}"""), live).Status!;

        status["deploymentStatus"]!.ToJsonString().Should().Be("""{"state":"TRANSITIONING","running":{"jobId":"j"}}""");
        var system = status["deploymentSystemMetadata"]!;
        system["id"]!.GetValue<string>().Should().Be("11111111-2222-3333-4444-555555555555");
        system["resourceVersion"]!.GetValue<int>().Should().Be(1);
        system["annotations"]!.AsObject().Count.Should().Be(4);
        var crStatus = status["customResourceStatus"]!;
        crStatus["customResourceState"]!.GetValue<string>().Should().Be("SYNCING");
        crStatus["observedSpecState"]!.GetValue<string>().Should().Be("RUNNING");
        crStatus["statusState"]!.GetValue<string>().Should().Be("TRANSITIONING");
        crStatus["vvpNamespace"]!.GetValue<string>().Should().Be("default");
        crStatus["observedGeneration"]!.GetValue<long>().Should().Be(3);
    }

    [Fact]
    public void Ready_is_True_when_the_status_state_equals_the_spec_state()
    {
        var ready = Condition(_planner.Plan(TestCrs.Cr(), TestCrs.Live()), "Ready");
        var notReady = Condition(_planner.Plan(TestCrs.Cr(), TestCrs.Live("""{"status":{"state":"TRANSITIONING"}}""")), "Ready");

        ready["status"]!.GetValue<string>().Should().Be("True");
        notReady["status"]!.GetValue<string>().Should().Be("False");
        notReady["reason"]!.GetValue<string>().Should().Be("Transitioning");
    }

    [Fact]
    public void An_unchanged_projected_status_is_reported_so_the_host_writes_nothing()
    {
        var cr = TestCrs.Cr("""{"metadata":{"generation":1}}""");
        var first = _planner.Plan(cr, TestCrs.Live());
        first.StatusChanged.Should().BeTrue();

        _time.Advance(TimeSpan.FromMinutes(5));
        var second = _planner.Plan(cr.WithStatus(first.Status), TestCrs.Live());

        second.StatusChanged.Should().BeFalse();
        JsonEquality.Equals(second.Status, first.Status).Should().BeTrue();
    }

    [Fact]
    public void LastTransitionTime_changes_only_when_the_condition_status_changes()
    {
        var cr = TestCrs.Cr("""{"metadata":{"generation":1}}""");
        var first = _planner.Plan(cr, TestCrs.Live());
        var firstTime = Condition(first, "Synced")["lastTransitionTime"]!.GetValue<string>();

        _time.Advance(TimeSpan.FromHours(1));
        var drifted = _planner.Plan(cr.WithStatus(first.Status), TestCrs.Live("""{"spec":{"state":"RUNNING"},"metadata":{"resourceVersion":2}}"""));
        _time.Advance(TimeSpan.FromHours(1));
        var stillDrifted = _planner.Plan(cr.WithStatus(drifted.Status), TestCrs.Live("""{"spec":{"state":"SUSPENDED"},"metadata":{"resourceVersion":3}}"""));

        firstTime.Should().Be("2026-11-25T12:00:00Z");
        Condition(drifted, "Synced")["lastTransitionTime"]!.GetValue<string>().Should().Be("2026-11-25T13:00:00Z");
        Condition(stillDrifted, "Synced")["lastTransitionTime"]!.GetValue<string>().Should().Be("2026-11-25T13:00:00Z");
    }

    // §10 Change detection without loops

    [Fact]
    public void Fast_path_same_generation_and_resource_version_is_in_sync_without_a_diff()
    {
        var cr = SyncedCr(TestCrs.Cr("""{"metadata":{"generation":2}}"""), TestCrs.Live());

        // The live spec differs, but generation and resourceVersion say nothing changed since the last sync.
        var plan = _planner.Plan(cr, TestCrs.Live("""{"spec":{"state":"RUNNING"}}"""));

        plan.Action.Should().Be(PlanAction.None);
        plan.Reason.Should().Be(PlanReasons.InSync);
        plan.Diff.IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void Fast_path_by_hash_when_the_platform_bumped_the_version_without_changing_the_user_part()
    {
        var cr = SyncedCr(TestCrs.Cr("""{"metadata":{"generation":2}}"""), TestCrs.Live("""{"spec":{"state":"RUNNING"}}"""));

        var plan = _planner.Plan(cr, TestCrs.Live("""{"spec":{"state":"RUNNING"},"metadata":{"resourceVersion":7,"modifiedAt":"2026-02-02T00:00:00Z"},"status":{"state":"RUNNING"}}"""));

        plan.Action.Should().Be(PlanAction.None);
        plan.Status!["customResourceStatus"]!["lastSyncedResourceVersion"]!.GetValue<string>().Should().Be("7");
    }

    [Fact]
    public void The_user_part_hash_is_recorded_after_a_write_not_after_a_verified_sync()
    {
        var cr = TestCrs.Cr("""{"metadata":{"generation":1}}""");

        var verified = _planner.Plan(cr, TestCrs.Live());
        var written = StatusProjection.Project(cr, TestCrs.Live(), SyncOutcome.Written(ReconcileOutcome.Patched, "written"), _planner.Options);

        verified.Status!["customResourceStatus"]!["lastSyncedResourceVersion"]!.GetValue<string>().Should().Be("1");
        verified.Status["customResourceStatus"]!["lastSyncedDeploymentHash"].Should().BeNull();
        written["customResourceStatus"]!["lastSyncedDeploymentHash"]!.GetValue<string>().Should().HaveLength(64);
    }

    [Fact]
    public void A_version_bump_after_a_verified_sync_is_settled_by_the_comparison()
    {
        var cr = TestCrs.Cr("""{"metadata":{"generation":1}}""");
        var verified = cr.WithStatus(_planner.Plan(cr, TestCrs.Live()).Status);

        var plan = _planner.Plan(verified, TestCrs.Live("""{"metadata":{"resourceVersion":5}}"""));

        plan.Action.Should().Be(PlanAction.None);
        plan.Status!["customResourceStatus"]!["lastSyncedResourceVersion"]!.GetValue<string>().Should().Be("5");
    }

    [Fact]
    public void A_changed_generation_takes_the_full_comparison()
    {
        var cr = SyncedCr(TestCrs.Cr("""{"metadata":{"generation":2}}"""), TestCrs.Live());

        var plan = _planner.Plan(cr.WithGeneration(3), TestCrs.Live("""{"spec":{"state":"RUNNING"}}"""));

        plan.Action.Should().Be(PlanAction.Patch);
    }

    [Fact]
    public void A_changed_live_user_part_takes_the_full_comparison()
    {
        var cr = SyncedCr(TestCrs.Cr("""{"metadata":{"generation":2}}"""), TestCrs.Live());

        var plan = _planner.Plan(cr, TestCrs.Live("""{"spec":{"state":"RUNNING"},"metadata":{"resourceVersion":2}}"""));

        plan.Action.Should().Be(PlanAction.Patch);
    }

    [Fact]
    public void A_CR_without_generation_always_takes_the_full_comparison()
    {
        var cr = SyncedCr(TestCrs.Cr(), TestCrs.Live());

        _planner.Plan(cr, TestCrs.Live("""{"spec":{"state":"RUNNING"}}""")).Action.Should().Be(PlanAction.Patch);
    }

    [Fact]
    public void A_platform_that_normalises_values_causes_at_most_one_write_per_change()
    {
        var cr = TestCrs.Cr("""{"metadata":{"generation":1},"spec":{"deployment":{"spec":{"template":{"spec":{"resources":{"jobmanager":{"cpu":1,"memory":"1g"}}}}}}}}""");
        var live = TestCrs.Live();
        var writes = 0;
        for (var i = 0; i < 10; i++)
        {
            var plan = _planner.Plan(cr, live);
            if (plan.IsWrite)
            {
                writes++;
                live = TestCrs.ApplyWrite(plan, live);
                live["spec"]!["template"]!["spec"]!["resources"]!["jobmanager"]!["memory"] = "1024m";

                // The executor re-projects the status from the platform's answer after a write.
                cr = cr.WithStatus(StatusProjection.Project(cr, live, SyncOutcome.Written(ReconcileOutcome.Patched, "written"), _planner.Options));
            }
            else
            {
                cr = cr.WithStatus(plan.Status);
            }
        }

        writes.Should().Be(1);
    }

    // §11 Initial savepoint

    [Fact]
    public void An_eligible_initial_savepoint_is_registered_after_create_and_its_intent_stamped_on_the_deployment()
    {
        var cr = TestCrs.Cr("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://bucket/sp-1"}}}""");

        var plan = _planner.Plan(cr, null);

        plan.Savepoint.Should().BeEquivalentTo(new SavepointPlan(true, "s3://bucket/sp-1", []));
        plan.Request!["metadata"]!["annotations"]!["reconciliation.vvp/initial-savepoint"]!.GetValue<string>().Should().Be("s3://bucket/sp-1");
        plan.Status!["customResourceStatus"]!["initialSavepoint"]!["state"]!.GetValue<string>().Should().Be("Pending");
    }

    [Fact]
    public void An_ineligible_initial_savepoint_is_skipped_with_a_warning_naming_each_unmet_condition()
    {
        var cr = TestCrs.Cr("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp"},"deployment":{"spec":{"state":"RUNNING","restoreStrategy":{"kind":"NONE"}}}}}""");

        var plan = _planner.Plan(cr, null);

        plan.Savepoint!.Register.Should().BeFalse();
        plan.Savepoint.Reasons.Should().HaveCount(2);
        plan.Savepoint.Reasons.Should().Contain(r => r.Contains("RUNNING")).And.Contain(r => r.Contains("NONE"));
        plan.Warnings.Should().ContainSingle(w => w.Path == "/spec/initialSavepointSpec");
        plan.Request!["metadata"]!["annotations"]!.AsObject().ContainsKey("reconciliation.vvp/initial-savepoint").Should().BeFalse();
        var status = plan.Status!["customResourceStatus"]!["initialSavepoint"]!;
        status["state"]!.GetValue<string>().Should().Be("Skipped");
    }

    [Fact]
    public void An_absent_restore_strategy_means_LATEST_STATE_and_is_eligible()
    {
        var cr = TestCrs.Cr("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp"},"deployment":{"spec":{"restoreStrategy":{"kind":"LATEST_SAVEPOINT"}}}}}""");

        _planner.Plan(cr, null).Savepoint!.Register.Should().BeTrue();
    }

    [Fact]
    public void An_initial_savepoint_for_a_deployment_that_already_exists_is_skipped()
    {
        var cr = TestCrs.Cr("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp"}}}""");

        var plan = _planner.Plan(cr, TestCrs.Live());

        plan.Savepoint!.Register.Should().BeFalse();
        plan.Savepoint.Reasons.Should().ContainSingle().Which.Should().Contain("already exists");
        plan.Status!["customResourceStatus"]!["initialSavepoint"]!["state"]!.GetValue<string>().Should().Be("Skipped");
    }

    [Fact]
    public void A_registration_owed_since_creation_is_planned_again_after_a_crash()
    {
        var cr = TestCrs.Cr("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp"}}}""");
        var live = TestCrs.ApplyWrite(_planner.Plan(cr, null), null);

        var plan = _planner.Plan(cr, live);

        plan.Action.Should().Be(PlanAction.None);
        plan.Savepoint!.Register.Should().BeTrue();
        plan.Savepoint.Location.Should().Be("s3://b/sp");
    }

    [Fact]
    public void No_registration_is_owed_once_the_status_says_registered_or_the_deployment_is_no_longer_cancelled()
    {
        var cr = TestCrs.Cr("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp"}}}""");
        var live = TestCrs.ApplyWrite(_planner.Plan(cr, null), null);
        var registered = cr.WithStatus((JsonObject)JsonNode.Parse("""{"customResourceStatus":{"initialSavepoint":{"location":"s3://b/sp","state":"Registered"}}}""")!);
        var running = (JsonObject)JsonMergePatch.Apply(live, JsonNode.Parse("""{"spec":{"state":"RUNNING"}}"""))!;

        _planner.Plan(registered, live).Savepoint.Should().BeNull();
        _planner.Plan(cr, running).Savepoint?.Register.Should().NotBe(true);
    }

    // §12 CR syncing off

    [Fact]
    public void With_syncing_off_nothing_is_written_and_the_state_is_IDLING()
    {
        var live = TestCrs.Live("""{"spec":{"state":"RUNNING"},"metadata":{"annotations":{"reconciliation.vvp/cr-syncing":"false"}}}""");

        var plan = _planner.Plan(TestCrs.Cr(), live);

        plan.Action.Should().Be(PlanAction.None);
        plan.Reason.Should().Be(PlanReasons.Idle);
        plan.Status!["customResourceStatus"]!["customResourceState"]!.GetValue<string>().Should().Be("IDLING");
        plan.Status["deploymentStatus"]!["state"]!.GetValue<string>().Should().Be("CANCELLED");
    }

    [Fact]
    public void The_syncing_predicate_is_configurable()
    {
        var planner = new DeploymentPlanner(new PlannerOptions { SyncingPredicate = live => live["metadata"]?["labels"]?["sync"]?.GetValue<string>() != "off" });

        planner.Plan(TestCrs.Cr(), TestCrs.Live("""{"spec":{"state":"RUNNING"},"metadata":{"labels":{"sync":"off"}}}""")).Reason.Should().Be(PlanReasons.Idle);
        planner.Plan(TestCrs.Cr(), TestCrs.Live("""{"spec":{"state":"RUNNING"}}""")).Reason.Should().Be(PlanReasons.Drift);
    }

    // §16 The plan document

    [Fact]
    public void The_plan_document_has_exactly_the_specified_members_in_camelCase()
    {
        var json = _planner.Plan(TestCrs.Cr(), TestCrs.Live("""{"spec":{"state":"RUNNING"}}""")).ToJsonNode();

        json.Select(p => p.Key).Should().Equal("target", "action", "reason", "request", "diff", "savepoint", "specUpdate", "status", "warnings", "errors");
        json["target"]!.ToJsonString().Should().Be("""{"namespace":"default","name":"test-cr"}""");
        json["action"]!.GetValue<string>().Should().Be("patch");
        json["diff"]!.ToJsonString().Should().Be("""[{"op":"replace","path":"/spec/state","value":"CANCELLED"}]""");
        json["savepoint"].Should().BeNull();
        json["specUpdate"].Should().BeNull();
    }

    [Fact]
    public void Planning_is_pure_the_same_inputs_give_the_same_plan()
    {
        var cr = TestCrs.Cr();
        var live = TestCrs.Live("""{"spec":{"state":"RUNNING"}}""");
        var (crText, liveText) = (cr.ToJsonNode().ToJsonString(), live.ToJsonString());

        var a = _planner.Plan(cr, live).ToJsonString();
        var b = _planner.Plan(cr, live).ToJsonString();

        a.Should().Be(b);
        cr.ToJsonNode().ToJsonString().Should().Be(crText);
        live.ToJsonString().Should().Be(liveText);
    }

    // The status after the reconciler wrote the deployment and the platform answered with live.
    private VvpDeploymentResource SyncedCr(VvpDeploymentResource cr, JsonObject live) =>
        cr.WithStatus(StatusProjection.Project(cr, live, SyncOutcome.Written(ReconcileOutcome.Patched, "written"), _planner.Options));

    private static JsonNode Condition(Plan plan, string type) =>
        plan.Status!["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == type)!;
}
