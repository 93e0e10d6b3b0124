using System.Text;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Reconciling;

public sealed class ReconcilerTests
{
    [Fact]
    public async Task Patch_mode_converges_restoring_only_owned_fields_after_an_out_of_band_edit()
    {
        var host = new FakeHost(FakeHost.Cr0());
        var created = await host.ReconcileAsync();
        created.Writes.Should().Be(1);
        host.Deployment["metadata"]!["displayName"]!.GetValue<string>().Should().Be("abc");

        host.Platform.Edit("default", "test-cr", d =>
        {
            d["spec"]!["state"] = "RUNNING";
            d["spec"]!["maxJobCreationAttempts"] = 1;
            d["metadata"]!["displayName"] = "renamed in the UI";
            d["spec"]!["template"]!["spec"]!["parallelism"] = 5;
        });
        var restored = await host.ReconcileAsync();

        restored.Writes.Should().Be(1);
        restored.Plan!.Request!.ToJsonString().Should().Be("""{"spec":{"state":"CANCELLED","maxJobCreationAttempts":99}}""");
        var deployment = host.Deployment;
        deployment["spec"]!["state"]!.GetValue<string>().Should().Be("CANCELLED");
        deployment["metadata"]!["displayName"]!.GetValue<string>().Should().Be("renamed in the UI");
        deployment["spec"]!["template"]!["spec"]!["parallelism"]!.GetValue<int>().Should().Be(5);

        var version = deployment["metadata"]!["resourceVersion"]!.GetValue<long>();
        host.Platform.ClearCalls();
        var again = await host.ReconcileAsync();

        again.Writes.Should().Be(0);
        host.Platform.Calls.Should().ContainSingle().Which.Operation.Should().Be(PlatformOperation.GetDeployment);
        host.Deployment["metadata"]!["resourceVersion"]!.GetValue<long>().Should().Be(version, "a no-op leaves the resource version alone");
    }

    [Fact]
    public async Task Put_mode_converges_restoring_the_whole_user_part_after_an_out_of_band_edit()
    {
        var host = new FakeHost(FakeHost.Cr0(put: true));
        await host.ReconcileAsync();
        var systemAnnotations = host.Deployment["metadata"]!["annotations"]!.AsObject().Where(a => a.Key.StartsWith("com.dataartisans", StringComparison.Ordinal)).Select(a => a.Key).ToList();

        host.Platform.Edit("default", "test-cr", d =>
        {
            d["spec"]!["state"] = "RUNNING";
            d["spec"]!["jobFailureExpirationTime"] = "1h";
            d["metadata"]!["labels"] = new JsonObject { ["edited"] = "yes" };
        });
        var restored = await host.ReconcileAsync();

        restored.Plan!.Action.Should().Be(Vvp.Reconciliation.Planning.PlanAction.Replace);
        var deployment = host.Deployment;
        deployment["spec"]!["state"]!.GetValue<string>().Should().Be("CANCELLED");
        deployment["spec"]!.AsObject().ContainsKey("jobFailureExpirationTime").Should().BeFalse();
        deployment["metadata"]!.AsObject().ContainsKey("labels").Should().BeFalse();
        deployment["metadata"]!["annotations"]!.AsObject().Select(a => a.Key).Should().Contain(systemAnnotations).And.Contain("reconciliation.vvp/owner");

        host.Platform.ClearCalls();
        (await host.ReconcileAsync()).Writes.Should().Be(0);
        host.Platform.WriteCount.Should().Be(0);
    }

    [Fact]
    public async Task No_loop_with_platform_defaults_and_value_normalisation_ten_reconciles_make_at_most_one_write()
    {
        var cr = FakeHost.Cr0("""{"spec":{"deployment":{"spec":{"template":{"spec":{"resources":{"jobmanager":{"cpu":1,"memory":"1g"},"taskmanager":{"cpu":2,"memory":"4g"}}}}}}}}""", put: true);
        var host = new FakeHost(cr, platformOptions: new InMemoryPlatformOptions { NormalizeValues = true });

        for (var i = 0; i < 10; i++)
        {
            await host.ReconcileAsync();
        }

        host.Platform.WriteCount.Should().Be(1);
        host.Deployment["spec"]!["template"]!["spec"]!["resources"]!["jobmanager"]!["memory"]!.GetValue<string>().Should().Be("1024m");

        // An out-of-band change costs exactly one write, though "1g" and "1024m" never compare equal.
        host.Platform.Edit("default", "test-cr", d => d["spec"]!["state"] = "RUNNING");
        host.Platform.ClearCalls();
        for (var i = 0; i < 10; i++)
        {
            await host.ReconcileAsync();
        }

        host.Platform.WriteCount.Should().Be(1);
    }

    [Fact]
    public async Task A_status_write_happens_only_when_the_status_changes()
    {
        var host = new FakeHost(FakeHost.Cr0());
        await host.ReconcileAsync();
        var writes = host.StatusWrites;

        for (var i = 0; i < 5; i++)
        {
            (await host.ReconcileAsync()).StatusChanged.Should().BeFalse();
        }

        host.StatusWrites.Should().Be(writes);
    }

    [Theory]
    [InlineData(401, "Unauthenticated")]
    [InlineData(403, "Forbidden")]
    [InlineData(500, "TransientFailure")]
    [InlineData(503, "TransientFailure")]
    [InlineData(429, "TransientFailure")]
    public async Task A_failing_read_writes_nothing_and_says_why(int statusCode, string reason)
    {
        var host = new FakeHost(FakeHost.Cr0());
        await host.ReconcileAsync();
        var before = host.Deployment.ToJsonString();
        host.Platform.FailNext(PlatformOperation.GetDeployment, PlatformFault.Status(statusCode));
        host.EditCr("""{"spec":{"deployment":{"spec":{"maxJobCreationAttempts":7}}}}""");
        host.Platform.ClearCalls();

        var result = await host.ReconcileAsync();

        host.Platform.WriteCount.Should().Be(0);
        FakeHost.Condition(result.Status, "Synced")!["reason"]!.GetValue<string>().Should().Be(reason);
        result.RequeueAfter.Should().NotBeNull();
        host.Deployment.ToJsonString().Should().Be(before, "no field is lost");
        result.Status!["deploymentStatus"].Should().NotBeNull("what was observed before stays");
    }

    [Theory]
    [InlineData(401, "Unauthenticated")]
    [InlineData(403, "Forbidden")]
    [InlineData(500, "TransientFailure")]
    [InlineData(0, "TransientFailure")]
    public async Task A_failing_write_loses_no_field_and_says_why(int statusCode, string reason)
    {
        var host = new FakeHost(FakeHost.Cr0());
        await host.ReconcileAsync();
        host.Platform.Edit("default", "test-cr", d => d["spec"]!["state"] = "RUNNING");
        var before = host.Deployment.ToJsonString();
        host.Platform.FailNext(PlatformOperation.PatchDeployment, statusCode == 0 ? PlatformFault.Timeout() : PlatformFault.Status(statusCode));

        var result = await host.ReconcileAsync();

        FakeHost.Condition(result.Status, "Synced")!["reason"]!.GetValue<string>().Should().Be(reason);
        result.RequeueAfter.Should().NotBeNull();
        host.Deployment.ToJsonString().Should().Be(before, "the failed write changed nothing and nothing else was sent");
        result.Status!["deploymentStatus"]!["state"]!.GetValue<string>().Should().Be("TRANSITIONING", "the status shows the deployment as it was read");
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(400)]
    [InlineData(500)]
    public async Task A_failing_savepoint_registration_keeps_the_created_deployment_and_stays_owed(int statusCode)
    {
        var host = new FakeHost(FakeHost.Cr0("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp-1"}}}"""));
        host.Platform.FailNext(PlatformOperation.CreateSavepoint, PlatformFault.Status(statusCode));

        var result = await host.ReconcileAsync();

        result.Writes.Should().Be(1);
        host.Platform.Snapshot("default", "test-cr").Should().NotBeNull();
        FakeHost.Condition(result.Status, "Synced")!["status"]!.GetValue<string>().Should().Be("True");
        result.Status!["customResourceStatus"]!["initialSavepoint"]!["state"]!.GetValue<string>().Should().Be("Pending");
        result.Events.Should().Contain(e => e.Reason == "SavepointPending");

        await host.ReconcileAsync();
        host.Platform.SavepointsOf("default").Should().ContainSingle();
    }

    [Fact]
    public async Task A_time_out_is_a_transient_failure_requeued_with_growing_backoff()
    {
        var host = new FakeHost(FakeHost.Cr0());
        host.Platform.FailRandomly(PlatformOperation.GetDeployment, PlatformFault.Timeout(), 1.0, seed: 1);

        var first = await host.ReconcileAsync();
        host.Time.Advance(TimeSpan.FromMinutes(1));
        var second = await host.ReconcileAsync();

        FakeHost.Condition(first.Status, "Synced")!["reason"]!.GetValue<string>().Should().Be("TransientFailure");
        first.RequeueAfter.Should().Be(host.Options.FailureRequeue);
        second.RequeueAfter.Should().BeGreaterThan(first.RequeueAfter!.Value).And.BeLessThanOrEqualTo(host.Options.MaxFailureRequeue);
        host.Platform.WriteCount.Should().Be(0);
    }

    [Fact]
    public async Task Transient_read_failures_are_retried_within_the_reconcile()
    {
        var host = new FakeHost(FakeHost.Cr0(), o => o.TransientRetries = 2);
        host.Platform.FailNext(PlatformOperation.GetDeployment, PlatformFault.Status(503), times: 2);

        var result = await host.ReconcileAsync();

        result.Writes.Should().Be(1);
        host.Platform.Calls.Count(c => c.Operation == PlatformOperation.GetDeployment).Should().Be(3);
    }

    [Fact]
    public async Task A_rejected_write_is_terminal_until_the_generation_changes()
    {
        var host = new FakeHost(FakeHost.Cr0());
        host.Platform.FailNext(PlatformOperation.CreateDeployment, PlatformFault.Status(400, "spec.template is invalid"));

        var rejected = await host.ReconcileAsync();
        FakeHost.Condition(rejected.Status, "Synced")!["reason"]!.GetValue<string>().Should().Be("PlatformRejected");
        FakeHost.Condition(rejected.Status, "Synced")!["message"]!.GetValue<string>().Should().Contain("spec.template is invalid");
        rejected.RequeueAfter.Should().BeNull();

        host.Platform.ClearCalls();
        await host.ReconcileAsync();
        host.Platform.WriteCount.Should().Be(0, "the same generation is not sent again");

        host.EditCr("""{"spec":{"deployment":{"spec":{"maxJobCreationAttempts":5}}}}""");
        (await host.ReconcileAsync()).Writes.Should().Be(1);
    }

    [Fact]
    public async Task A_404_on_patch_means_deleted_meanwhile_and_re_plans_as_a_create()
    {
        var host = new FakeHost(FakeHost.Cr0());
        await host.ReconcileAsync();
        host.Platform.Edit("default", "test-cr", d => d["spec"]!["state"] = "RUNNING");
        host.Platform.FailNext(PlatformOperation.PatchDeployment, PlatformFault.Throw(() =>
        {
            host.Platform.Remove("default", "test-cr");
            return new PlatformException(PlatformErrorKind.NotFound, "gone", 404);
        }));

        var result = await host.ReconcileAsync();

        result.Plan!.Action.Should().Be(Vvp.Reconciliation.Planning.PlanAction.Create);
        host.Deployment["spec"]!["state"]!.GetValue<string>().Should().Be("CANCELLED");
        FakeHost.Condition(result.Status, "Synced")!["status"]!.GetValue<string>().Should().Be("True");
    }

    [Fact]
    public async Task A_409_re_reads_and_re_plans_at_most_three_times()
    {
        var host = new FakeHost(FakeHost.Cr0());
        await host.ReconcileAsync();
        host.Platform.Edit("default", "test-cr", d => d["spec"]!["state"] = "RUNNING");
        host.Platform.FailNext(PlatformOperation.PatchDeployment, PlatformFault.Status(409), times: 2);

        (await host.ReconcileAsync()).Writes.Should().Be(1);

        host.Platform.Edit("default", "test-cr", d => d["spec"]!["state"] = "RUNNING");
        host.Platform.FailNext(PlatformOperation.PatchDeployment, PlatformFault.Status(409), times: 4);
        host.Platform.ClearCalls();
        var gaveUp = await host.ReconcileAsync();

        host.Platform.Calls.Count(c => c.Operation == PlatformOperation.PatchDeployment).Should().Be(4);
        FakeHost.Condition(gaveUp.Status, "Synced")!["reason"]!.GetValue<string>().Should().Be("TransientFailure");
        gaveUp.RequeueAfter.Should().NotBeNull();
    }

    [Fact]
    public async Task A_transient_failure_of_a_write_re_reads_instead_of_resending_blindly()
    {
        var host = new FakeHost(FakeHost.Cr0(), o => o.TransientRetries = 1);
        host.Platform.FailNext(PlatformOperation.CreateDeployment, PlatformFault.Timeout());

        var result = await host.ReconcileAsync();

        host.Platform.Calls.Select(c => c.Operation).Should().Equal(
            PlatformOperation.GetDeployment, PlatformOperation.CreateDeployment, PlatformOperation.GetDeployment, PlatformOperation.CreateDeployment);
        result.Writes.Should().Be(1);
    }

    [Fact]
    public async Task The_initial_savepoint_is_registered_after_create()
    {
        var host = new FakeHost(FakeHost.Cr0("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp-1"}}}"""));

        var result = await host.ReconcileAsync();

        var savepoint = host.Platform.SavepointsOf("default").Should().ContainSingle().Subject;
        savepoint["spec"]!["savepointLocation"]!.GetValue<string>().Should().Be("s3://b/sp-1");
        savepoint["metadata"]!["origin"]!.GetValue<string>().Should().Be("COPIED");
        savepoint["metadata"]!["deploymentId"]!.GetValue<string>().Should().Be(host.Deployment["metadata"]!["id"]!.GetValue<string>());
        savepoint["status"]!["state"]!.GetValue<string>().Should().Be("COMPLETED");
        result.Status!["customResourceStatus"]!["initialSavepoint"]!["state"]!.GetValue<string>().Should().Be("Registered");
        result.Events.Should().Contain(e => e.Reason == "SavepointRegistered");
    }

    [Fact]
    public async Task A_failed_registration_stays_pending_and_is_registered_exactly_once_later()
    {
        var host = new FakeHost(FakeHost.Cr0("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp-1"}}}"""));
        host.Platform.FailNext(PlatformOperation.CreateSavepoint, PlatformFault.Status(503));

        var first = await host.ReconcileAsync();
        first.Status!["customResourceStatus"]!["initialSavepoint"]!["state"]!.GetValue<string>().Should().Be("Pending");
        first.RequeueAfter.Should().NotBeNull();
        host.Platform.SavepointsOf("default").Should().BeEmpty();

        for (var i = 0; i < 3; i++)
        {
            await host.ReconcileAsync();
        }

        host.Platform.SavepointsOf("default").Should().ContainSingle();
        host.Cr.Status!["customResourceStatus"]!["initialSavepoint"]!["state"]!.GetValue<string>().Should().Be("Registered");
    }

    [Fact]
    public async Task A_crash_between_create_and_registration_registers_exactly_once_on_the_next_reconcile()
    {
        var host = new FakeHost(FakeHost.Cr0("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp-1"}}}"""));
        host.Platform.FailNext(PlatformOperation.CreateSavepoint, PlatformFault.Throw(() => new InvalidOperationException("the process died here")));

        var crash = async () => await host.ReconcileAsync();
        await crash.Should().ThrowAsync<InvalidOperationException>();
        host.Cr.Status.Should().BeNull("the crash happened before the status was written");
        host.Deployment["metadata"]!["annotations"]!["reconciliation.vvp/initial-savepoint"]!.GetValue<string>().Should().Be("s3://b/sp-1");

        for (var i = 0; i < 3; i++)
        {
            await host.ReconcileAsync();
        }

        host.Platform.SavepointsOf("default").Should().ContainSingle();
        host.Platform.WriteCount.Should().Be(3, "the create, the crashed registration, and one registration");
    }

    [Fact]
    public async Task A_registration_found_on_the_platform_is_not_made_twice()
    {
        var host = new FakeHost(FakeHost.Cr0("""{"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp-1"}}}"""));
        await host.ReconcileAsync();
        var status = host.Cr.Status!.DeepClone().AsObject();
        status["customResourceStatus"]!["initialSavepoint"]!["state"] = "Pending";
        status["customResourceStatus"]!["lastSyncedGeneration"] = null;
        host.Cr = host.Cr.WithStatus(status);

        var result = await host.ReconcileAsync();

        host.Platform.SavepointsOf("default").Should().ContainSingle();
        result.Status!["customResourceStatus"]!["initialSavepoint"]!["state"]!.GetValue<string>().Should().Be("Registered");
    }

    [Fact]
    public async Task An_invalid_CR_causes_no_platform_call_at_all()
    {
        var host = new FakeHost(FakeHost.Cr0("""{"spec":{"deployment":{"spec":{"state":"STOPPED"}}}}"""));

        var result = await host.ReconcileAsync();

        host.Platform.Calls.Should().BeEmpty();
        FakeHost.Condition(result.Status, "Synced")!["reason"]!.GetValue<string>().Should().Be("InvalidSpec");
        result.Events.Should().ContainSingle(e => e.Reason == "InvalidSpec" && e.Type == "Warning");
    }

    [Fact]
    public async Task A_status_claiming_a_sync_never_lets_an_invalid_spec_be_written()
    {
        var host = new FakeHost(FakeHost.Cr0());
        await host.ReconcileAsync();
        var doc = host.Cr.ToJsonNode();
        doc["spec"]!["deployment"]!["spec"]!["state"] = "STOPPED";
        host.Cr = VvpDeploymentResource.FromDocument(doc);
        host.Platform.Edit("default", "test-cr", d => d["spec"]!["state"] = "RUNNING");
        host.Platform.ClearCalls();

        var result = await host.ReconcileAsync();

        host.Platform.WriteCount.Should().Be(0);
        result.Plan!.Reason.Should().Be("invalid");
        result.Events.Should().Contain(e => e.Reason == "InvalidSpec");
    }

    [Fact]
    public async Task A_CR_outside_the_watched_namespaces_is_ignored_with_no_platform_call()
    {
        var cr = VvpDeploymentResource.FromDocument(FakeHost.Cr0().ToJsonNode()).WithGeneration(1);
        var doc = cr.ToJsonNode();
        doc["metadata"]!["namespace"] = "elsewhere";
        var host = new FakeHost(VvpDeploymentResource.FromDocument(doc));

        var result = await host.ReconcileAsync();

        result.Outcome.Should().Be(ReconcileOutcome.NotWatched);
        result.StatusChanged.Should().BeFalse();
        host.Platform.Calls.Should().BeEmpty();
    }

    [Fact]
    public async Task A_deployment_owned_by_another_operator_is_not_written()
    {
        var host = new FakeHost(FakeHost.Cr0());
        host.Platform.Seed("default", (JsonObject)JsonNode.Parse("""{"metadata":{"name":"test-cr","annotations":{"reconciliation.vvp/owner":"vvp-2/jobs/test-cr"}},"spec":{"state":"RUNNING","deploymentTargetName":"t"}}""")!);

        var result = await host.ReconcileAsync();

        host.Platform.WriteCount.Should().Be(0);
        FakeHost.Condition(result.Status, "Synced")!["reason"]!.GetValue<string>().Should().Be("OwnedByAnother");
    }

    [Fact]
    public async Task Syncing_off_writes_nothing_and_reports_IDLING()
    {
        var host = new FakeHost(FakeHost.Cr0());
        await host.ReconcileAsync();
        host.Platform.Edit("default", "test-cr", d =>
        {
            d["spec"]!["state"] = "RUNNING";
            d["metadata"]!["annotations"]!["reconciliation.vvp/cr-syncing"] = "false";
        });
        host.Platform.ClearCalls();

        var result = await host.ReconcileAsync();

        host.Platform.WriteCount.Should().Be(0);
        result.Status!["customResourceStatus"]!["customResourceState"]!.GetValue<string>().Should().Be("IDLING");
    }

    [Fact]
    public async Task A_transitioning_deployment_is_looked_at_again_soon_and_Ready_follows_the_platform()
    {
        var host = new FakeHost(FakeHost.Cr0("""{"spec":{"deployment":{"spec":{"state":"RUNNING"}}}}"""));

        var created = await host.ReconcileAsync();
        created.RequeueAfter.Should().Be(host.Options.TransitioningRequeue);
        FakeHost.Condition(created.Status, "Ready")!["status"]!.GetValue<string>().Should().Be("False");

        host.Time.Advance(TimeSpan.FromSeconds(11));
        var running = await host.ReconcileAsync();

        running.RequeueAfter.Should().BeNull();
        running.Writes.Should().Be(0);
        FakeHost.Condition(running.Status, "Ready")!["status"]!.GetValue<string>().Should().Be("True");
        running.Status!["deploymentStatus"]!["state"]!.GetValue<string>().Should().Be("RUNNING");
    }

    [Fact]
    public async Task Erased_keys_become_a_spec_update_written_back_once()
    {
        var host = new FakeHost(FakeHost.Cr0("""{"spec":{"deployment":{"userMetadata":{"id":"bogus"}}}}"""));

        var first = await host.ReconcileAsync();

        first.SpecUpdate.Should().NotBeNull();
        first.Events.Should().Contain(e => e.Reason == "KeysErased");
        host.Cr.UserMetadata!.ContainsKey("id").Should().BeFalse();
        (await host.ReconcileAsync()).SpecUpdate.Should().BeNull();
    }

    [Fact]
    public async Task Put_mode_adoption_syncs_the_patched_deployment_back_to_the_CR()
    {
        var host = new FakeHost(FakeHost.Cr0(put: true));
        host.Platform.Seed("default", (JsonObject)JsonNode.Parse("""{"metadata":{"name":"test-cr","displayName":"made in the UI"},"spec":{"state":"RUNNING","deploymentTargetName":"test-target","jobFailureExpirationTime":"2h"}}""")!);

        var adopted = await host.ReconcileAsync();

        adopted.Plan!.Reason.Should().Be("adopt");
        host.Cr.DeploymentSpec!["jobFailureExpirationTime"]!.GetValue<string>().Should().Be("2h");
        host.Cr.UserMetadata!["displayName"]!.GetValue<string>().Should().Be("made in the UI");
        adopted.Writes.Should().Be(1, "adoption costs one write");
        host.Platform.ClearCalls();
        // The CR now states every adopted field: the guard is harmless and costs no write of its own.
        (await host.ReconcileAsync()).Writes.Should().Be(0);
        host.Platform.Calls.Should().ContainSingle().Which.Operation.Should().Be(Vvp.Reconciliation.Testing.PlatformOperation.GetDeployment);
        host.Deployment["spec"]!["jobFailureExpirationTime"]!.GetValue<string>().Should().Be("2h", "adoption never loses fields");
    }

    [Theory]
    [InlineData(DeletionPolicy.Orphan)]
    [InlineData(DeletionPolicy.Cancel)]
    [InlineData(DeletionPolicy.Delete)]
    public async Task Deletion_follows_the_policy(DeletionPolicy policy)
    {
        var host = new FakeHost(FakeHost.Cr0("""{"spec":{"deployment":{"spec":{"state":"RUNNING"}}}}"""), o => o.DeletionPolicy = policy);
        await host.ReconcileAsync();
        host.Time.Advance(TimeSpan.FromSeconds(11));
        host.Platform.ClearCalls();

        var first = await host.Reconciler.DeleteAsync(host.Cr);

        switch (policy)
        {
            case DeletionPolicy.Orphan:
                first.Finished.Should().BeTrue();
                host.Platform.Calls.Should().BeEmpty();
                host.Deployment["spec"]!["state"]!.GetValue<string>().Should().Be("RUNNING");
                break;
            case DeletionPolicy.Cancel:
                first.Finished.Should().BeTrue();
                host.Deployment["spec"]!["state"]!.GetValue<string>().Should().Be("CANCELLED");
                break;
            default:
                first.Finished.Should().BeFalse();
                first.RequeueAfter.Should().Be(host.Options.TransitioningRequeue, "waiting for CANCELLED is a requeue, not a sleep");
                (await host.Reconciler.DeleteAsync(host.Cr)).Finished.Should().BeFalse("the platform still transitions");
                host.Time.Advance(TimeSpan.FromSeconds(11));
                (await host.Reconciler.DeleteAsync(host.Cr)).Finished.Should().BeTrue();
                host.Platform.Snapshot("default", "test-cr").Should().BeNull();
                host.Platform.Calls.Select(c => c.Operation).Should().Contain(PlatformOperation.DeleteDeployment);
                break;
        }
    }
}
