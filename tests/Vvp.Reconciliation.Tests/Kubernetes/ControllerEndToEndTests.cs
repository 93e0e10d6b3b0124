using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Testing;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>
/// The controller end to end over real sockets: KubernetesClient against the Kubernetes API stand-in, the REST
/// adapter against the platform emulator. One test per rule of SEMANTICS §15–16 and per defect of the old sample.
/// </summary>
public sealed class ControllerEndToEndTests
{
    [Fact]
    public async Task The_seed_CR_applied_makes_one_create_and_a_SYNCING_status_with_the_deployment_id()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Start(OperatorSession.Options());
        session.Apply("test-cr");

        await OperatorSession.Eventually(() => session.State("test-cr") == "SYNCING", "the CR reports SYNCING");
        var deploymentId = JsonRead.String(session.Cr("test-cr"), "status", "customResourceStatus", "deploymentId");
        deploymentId.Should().NotBeNullOrEmpty();
        session.Vvp.Snapshot("default", "test-cr")!["metadata"]!["id"]!.GetValue<string>().Should().Be(deploymentId);
        session.PlatformCreates().Should().Be(1);
    }

    [Fact]
    public async Task A_spec_edit_makes_exactly_one_PATCH()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Start(OperatorSession.Options());
        session.Apply("test-cr");
        await OperatorSession.Eventually(() => session.State("test-cr") == "SYNCING", "the CR is synced");
        await Settled(session);
        session.Vvp.ClearCalls();

        session.Edit("test-cr", cr => cr["spec"]!["deployment"]!["spec"]!["maxJobCreationAttempts"] = 7);

        await OperatorSession.Eventually(() => JsonRead.Int64(session.Vvp.Snapshot("default", "test-cr"), "spec", "maxJobCreationAttempts") == 7, "the platform has the edit");
        await Settled(session);
        session.Vvp.Calls.Count(c => c.Operation == PlatformOperation.PatchDeployment).Should().Be(1);
        session.Vvp.Calls.Count(c => c.IsWrite).Should().Be(1);
    }

    [Fact]
    public async Task A_resync_of_in_sync_CRs_writes_nothing_to_Kubernetes()
    {
        await using var session = await OperatorSession.StartAsync();
        var running = session.Start(OperatorSession.Options(configure: o => o.ResyncPeriod = TimeSpan.FromMilliseconds(300)));
        session.Apply("a");
        session.Apply("b");
        await OperatorSession.Eventually(() => session.State("a") == "SYNCING" && session.State("b") == "SYNCING", "both CRs are synced");
        await Settled(session);
        var writes = session.CrWrites();
        var handled = running.Controller.KeysHandled;

        await OperatorSession.Eventually(() => running.Controller.KeysHandled >= handled + 6, "three resyncs ran");

        session.CrWrites().Should().Be(writes);
        session.Vvp.Calls.Count(c => c.IsWrite).Should().Be(2, "two creates and nothing after");
    }

    [Fact]
    public async Task RUNNING_then_CANCELLED_removes_the_stale_status_keys_and_the_next_resync_writes_nothing()
    {
        await using var session = await OperatorSession.StartAsync();
        var running = session.Start(OperatorSession.Options(configure: o => o.ResyncPeriod = TimeSpan.FromMilliseconds(300)));
        var cr = TestCrs.SeedDocument();
        cr["spec"]!["deployment"]!["spec"]!["state"] = "RUNNING";
        session.Apply("test-cr", cr);
        await OperatorSession.Eventually(() => JsonRead.String(session.Cr("test-cr"), "status", "deploymentStatus", "running", "jobId") is not null, "the CR shows the running job");

        session.Edit("test-cr", c => c["spec"]!["deployment"]!["spec"]!["state"] = "CANCELLED");

        await OperatorSession.Eventually(() => JsonRead.String(session.Cr("test-cr"), "status", "deploymentStatus", "state") == "CANCELLED", "the CR shows CANCELLED");
        session.Cr("test-cr")!["status"]!["deploymentStatus"]!.AsObject().ContainsKey("running").Should().BeFalse("the status is replaced whole");
        await Settled(session);
        var writes = session.CrWrites();
        var handled = running.Controller.KeysHandled;
        await OperatorSession.Eventually(() => running.Controller.KeysHandled >= handled + 3, "resyncs ran");
        session.CrWrites().Should().Be(writes);
    }

    [Fact]
    public async Task Invalid_userMetadata_keys_are_removed_from_the_CR()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Start(OperatorSession.Options());
        var cr = TestCrs.SeedDocument();
        var userMetadata = (JsonObject)cr["spec"]!["deployment"]!["userMetadata"]!;
        userMetadata["id"] = "00000000-0000-0000-0000-000000000001";
        userMetadata["createdAt"] = "2020-01-01T00:00:00Z";
        userMetadata["annotations"] = new JsonObject { ["com.dataartisans.appmanager.controller.deployment.spec.version"] = "3", ["team"] = "a" };
        session.Apply("test-cr", cr);

        await OperatorSession.Eventually(
            () => session.Cr("test-cr")!["spec"]!["deployment"]!["userMetadata"] is JsonObject m && !m.ContainsKey("id") && !m.ContainsKey("createdAt"),
            "the scrubbed keys are gone from the CR");
        var metadata = (JsonObject)session.Cr("test-cr")!["spec"]!["deployment"]!["userMetadata"]!;
        ((JsonObject)metadata["annotations"]!).Select(a => a.Key).Should().Equal("team");
        session.Api.Calls.Where(c => c.Resource == "vvpdeployments" && c.IsWrite).Should().OnlyContain(c => c.Verb == "update", "spec updates are updates carrying the resourceVersion, never merge patches");
    }

    [Fact]
    public async Task A_spec_update_carries_the_resourceVersion_so_a_concurrent_edit_is_kept()
    {
        await using var session = await OperatorSession.StartAsync();
        var cr = TestCrs.SeedDocument();
        ((JsonObject)cr["spec"]!["deployment"]!["userMetadata"]!)["id"] = "00000000-0000-0000-0000-000000000001";
        session.Apply("test-cr", cr);
        // The controller's spec update is slow; a person edits the CR meanwhile.
        session.Api.Faults.SlowNext("update", "vvpdeployments", TimeSpan.FromMilliseconds(800));
        session.Start(OperatorSession.Options());
        await OperatorSession.Eventually(() => session.Api.Calls.Any(c => c.Verb == "update" && c.Resource == "vvpdeployments") || session.Vvp.Calls.Count > 0, "the controller is at work");
        await Task.Delay(200);
        session.Edit("test-cr", c => c["spec"]!["deployment"]!["spec"]!["maxJobCreationAttempts"] = 5);

        await OperatorSession.Eventually(
            () => session.Cr("test-cr")!["spec"]!["deployment"]!["userMetadata"] is JsonObject m && !m.ContainsKey("id"),
            "the scrub landed");
        JsonRead.Int64(session.Cr("test-cr"), "spec", "deployment", "spec", "maxJobCreationAttempts").Should().Be(5, "the person's edit was not overwritten");
        session.Api.Calls.Should().Contain(c => c.Verb == "update" && c.Resource == "vvpdeployments" && c.StatusCode == 409);
        await OperatorSession.Eventually(() => JsonRead.Int64(session.Vvp.Snapshot("default", "test-cr"), "spec", "maxJobCreationAttempts") == 5, "the edit reached the platform");
    }

    [Fact]
    public async Task Deletion_policy_Delete_uses_the_finalizer_cancels_and_deletes_the_deployment()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Start(OperatorSession.Options(configure: o => o.DeletionPolicy = Vvp.Reconciliation.Planning.DeletionPolicy.Delete));
        var cr = TestCrs.SeedDocument();
        cr["spec"]!["deployment"]!["spec"]!["state"] = "RUNNING";
        session.Apply("test-cr", cr);
        await OperatorSession.Eventually(() => session.Cr("test-cr")?["metadata"]?["finalizers"]?.ToJsonString().Contains("reconciliation.vvp/finalizer", StringComparison.Ordinal) == true, "the finalizer is on the CR");
        await OperatorSession.Eventually(() => JsonRead.String(session.Vvp.Snapshot("default", "test-cr"), "status", "state") == "RUNNING", "the job runs");

        session.Api.Delete(ApiResource.VvpDeployments, OperatorSession.Namespace, "test-cr");

        await OperatorSession.Eventually(() => session.Cr("test-cr") is null, "the CR is gone");
        session.Vvp.Snapshot("default", "test-cr").Should().BeNull();
        session.Vvp.Calls.Select(c => c.Operation).Should().ContainInOrder(PlatformOperation.PatchDeployment, PlatformOperation.DeleteDeployment);
    }

    [Fact]
    public async Task A_token_is_read_from_a_Secret_through_the_cache_and_a_changed_Secret_requeues_its_CRs()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Vvp.AddToken("token-2", PlatformRole.Editor);
        session.Api.Create(ApiResource.Secrets, OperatorSession.Namespace, Secret("vvp-token", "token-1"));
        session.Start(OperatorSession.Options(configure: o => o.AuthenticationRequired = true));
        var cr = TestCrs.SeedDocument();
        cr["metadata"]!["annotations"] = new JsonObject { ["apikeySecretName"] = "vvp-token" };
        session.Apply("test-cr", cr);
        await OperatorSession.Eventually(() => ConditionReason(session.Cr("test-cr"), "Synced") == "Unauthenticated", "the wrong token is refused");

        session.Api.Update(ApiResource.Secrets, OperatorSession.Namespace, "vvp-token", s => s["data"]!["apikey"] = Convert.ToBase64String("token-2\n"u8.ToArray()));

        await OperatorSession.Eventually(() => session.State("test-cr") == "SYNCING" && session.Vvp.Snapshot("default", "test-cr") is not null, "the new token is used");
        session.Api.Calls.Should().NotContain(c => c.Resource == "secrets" && c.Verb == "get", "Secrets are read from the cache");
    }

    [Fact]
    public async Task A_dropped_watch_and_a_410_relist_and_miss_no_change()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Start(OperatorSession.Options());
        session.Apply("test-cr");
        await OperatorSession.Eventually(() => session.State("test-cr") == "SYNCING", "the CR is synced");
        await OperatorSession.Eventually(() => session.Api.OpenWatches >= 2, "the watches are open");

        // The watch breaks, the history is compacted, and the CR changes while nobody watches.
        session.Api.Faults.FailNext("watch", "vvpdeployments", 503, times: 3);
        session.Api.DropWatches();
        session.Edit("test-cr", c => c["spec"]!["deployment"]!["spec"]!["maxJobCreationAttempts"] = 11);
        session.Api.Compact();

        await OperatorSession.Eventually(() => JsonRead.Int64(session.Vvp.Snapshot("default", "test-cr"), "spec", "maxJobCreationAttempts") == 11, "the change reached the platform");
        session.Api.Calls.Count(c => c.Verb == "list" && c.Resource == "vvpdeployments").Should().BeGreaterThan(1, "the controller listed again");
    }

    [Fact]
    public async Task A_CR_deleted_while_the_watch_is_down_is_never_acted_on_again()
    {
        await using var session = await OperatorSession.StartAsync(transition: TimeSpan.FromSeconds(30));
        session.Start(OperatorSession.Options());
        var cr = TestCrs.SeedDocument();
        cr["spec"]!["deployment"]!["spec"]!["state"] = "RUNNING";
        session.Apply("test-cr", cr);
        await OperatorSession.Eventually(() => session.Vvp.Snapshot("default", "test-cr") is not null, "the deployment exists (and transitions: the CR is re-queued)");

        session.Api.Faults.FailNext("watch", "vvpdeployments", 503, times: 1000);
        session.Api.Faults.FailNext("list", "vvpdeployments", 503, times: 4);
        session.Api.DropWatches();
        session.Api.Delete(ApiResource.VvpDeployments, OperatorSession.Namespace, "test-cr");
        session.Api.Compact();
        session.Vvp.Remove("default", "test-cr");

        await OperatorSession.Eventually(() => session.Api.Calls.Count(c => c.Verb == "list" && c.Resource == "vvpdeployments" && c.StatusCode == 200) >= 2, "the controller listed again");
        // The positive control: the CR's pending requeue has been handled (or dropped with the key): nothing is left to do.
        await OperatorSession.Eventually(() => session.Controllers.All(c => c.IsIdle), "the controller has nothing left to do");
        session.Vvp.Snapshot("default", "test-cr").Should().BeNull("nothing re-created the deployment");
        session.PlatformCreates().Should().Be(1);
    }

    [Fact]
    public async Task A_failing_CR_records_one_Event_whose_count_grows()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Start(OperatorSession.Options(configure: o => o.ResyncPeriod = TimeSpan.FromMilliseconds(200)));
        session.Vvp.FailNext(PlatformOperation.CreateDeployment, PlatformFault.Status(503, "maintenance"), times: 1000);
        session.Apply("test-cr");

        await OperatorSession.Eventually(() => session.Api.List(ApiResource.Events, OperatorSession.Namespace).Any(e => JsonRead.Int64(e, "count") >= 3), "an Event counted three failures");
        var events = session.Api.List(ApiResource.Events, OperatorSession.Namespace).Where(e => JsonRead.String(e, "type") == "Warning").ToList();
        events.GroupBy(e => (JsonRead.String(e, "reason"), JsonRead.String(e, "message"))).Should().OnlyContain(g => g.Count() == 1, "one object per reason and message");
    }

    [Fact]
    public async Task A_Kubernetes_call_that_outlives_the_timeout_is_retried_and_other_CRs_go_on()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Api.Faults.SlowNext("update", "vvpdeployments/status", TimeSpan.FromSeconds(4), times: 1);
        session.Start(OperatorSession.Options(configure: o => o.KubernetesCallTimeout = TimeSpan.FromSeconds(1)));
        session.Apply("slow");
        session.Apply("other");

        await OperatorSession.Eventually(() => session.State("slow") == "SYNCING" && session.State("other") == "SYNCING", "both CRs are synced");
        session.Logs.Entries.Should().Contain(e => e.Message.Contains("had no answer within", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unreachable_API_at_start_is_waited_for_and_work_begins_when_it_answers()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Api.Faults.Outage = true;
        var running = session.Start(OperatorSession.Options());
        session.Apply("test-cr");
        await OperatorSession.Eventually(() => session.Api.Calls.Count(c => c.StatusCode == 0) >= 3, "the controller tried the unreachable API three times");
        running.Run.IsCompleted.Should().BeFalse("the controller keeps trying");

        session.Api.Faults.Outage = false;

        await OperatorSession.Eventually(() => session.State("test-cr") == "SYNCING", "the CR is synced");
    }

    [Fact]
    public async Task SIGTERM_stops_the_controller_cleanly_and_releases_the_lease()
    {
        await using var session = await OperatorSession.StartAsync();
        var running = session.Start(OperatorSession.Options());
        session.Apply("test-cr");
        await OperatorSession.Eventually(() => session.State("test-cr") == "SYNCING", "the CR is synced");

        await running.StopAsync();

        running.Run.IsCompletedSuccessfully.Should().BeTrue();
        var lease = session.Api.Get(ApiResource.Leases, OperatorSession.Namespace, "vvp-operator-vvp-1");
        JsonRead.String(lease, "spec", "holderIdentity").Should().BeNull("the lease is released");
        running.Controller.Health.IsLeading.Should().BeFalse();
    }

    [Fact]
    public async Task With_listPlatformNamespaces_a_resync_reads_a_platform_namespace_with_one_LIST_and_still_corrects_drift()
    {
        await using var session = await OperatorSession.StartAsync();
        var (running, names) = await SyncedFleetAsync(session);
        session.Vvp.Edit("default", "cr-07", d => d["spec"]!["maxJobCreationAttempts"] = 1);   // an edit in the UI
        session.Vvp.ClearCalls();
        var reconciles = running.Controller.Reconciles;

        running.Controller.ResyncNow();

        await OperatorSession.Eventually(() => JsonRead.Int64(session.Vvp.Snapshot("default", "cr-07"), "spec", "maxJobCreationAttempts") == 99, "the drift is corrected");
        await OperatorSession.Eventually(() => running.Controller.Reconciles >= reconciles + 20, "every CR was resynced");
        await Settled(session);
        var calls = session.Vvp.Calls;
        calls.Count(c => c.Operation == PlatformOperation.ListDeployments).Should().Be(1, "one LIST for the platform namespace");
        calls.Count(c => c.Operation == PlatformOperation.GetDeployment).Should().Be(0, "no GET per CR");
        calls.Count(c => c.Operation == PlatformOperation.PatchDeployment).Should().Be(1);
        running.Controller.PlatformNamespaceLists.Should().Be(1);
        running.Controller.PlatformSnapshotsHeld.Should().Be(0, "the resync's LIST is let go once its last key is handled, not kept until the next resync");

        // A change of a CR is reconciled against the platform as it is now: a direct read.
        session.Edit("cr-03", c => c["spec"]!["deployment"]!["spec"]!["maxJobCreationAttempts"] = 5);
        await OperatorSession.Eventually(() => JsonRead.Int64(session.Vvp.Snapshot("default", "cr-03"), "spec", "maxJobCreationAttempts") == 5, "the edit reached the platform");
        session.Vvp.Calls.Should().Contain(c => c.Operation == PlatformOperation.GetDeployment && c.Name == "cr-03");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_resync_reconciles_only_the_CRs_whose_CR_or_deployment_changed_since_their_last_quiet_resync(bool listPlatformNamespaces)
    {
        await using var session = await OperatorSession.StartAsync();
        var (running, names) = await SyncedFleetAsync(session, listPlatformNamespaces);
        running.Controller.UnchangedRecords.Should().Be(0, "changes were reconciled against the reconciler's own reads, not a resync's");
        running.Controller.ResyncNow();
        await OperatorSession.Eventually(() => running.Controller.UnchangedRecords == 20, "the first resync recorded what each quiet reconcile read");
        await Settled(session);
        running.Controller.UnchangedResyncs.Should().Be(0);

        session.Vvp.Edit("default", "cr-07", d => d["spec"]!["maxJobCreationAttempts"] = 1);   // an edit in the UI
        var state = session.Vvp.ExportState();
        var failed = state["deployments"]!.AsArray().OfType<JsonObject>().Single(d => JsonRead.String(d, "metadata", "name") == "cr-11");
        failed["status"]!["state"] = "FAILED";   // the job failed: only the deployment's status changed
        session.Vvp.ImportState(state);
        session.Edit("cr-03", c => c["spec"]!["deployment"]!["spec"]!["maxJobCreationAttempts"] = 5);
        await OperatorSession.Eventually(() => JsonRead.Int64(session.Vvp.Snapshot("default", "cr-03"), "spec", "maxJobCreationAttempts") == 5, "the CR's change reached the platform");
        await Settled(session);
        var before = names.ToDictionary(n => n, n => ReconcilesOf(session, n));
        session.Vvp.ClearCalls();

        running.Controller.ResyncNow();

        await OperatorSession.Eventually(() => JsonRead.Int64(session.Vvp.Snapshot("default", "cr-07"), "spec", "maxJobCreationAttempts") == 99, "the drift is corrected");
        await OperatorSession.Eventually(() => JsonRead.String(session.Cr("cr-11"), "status", "deploymentStatus", "state") == "FAILED", "the deployment's new status reached the CR");
        await OperatorSession.Eventually(() => running.Controller.UnchangedResyncs == 17, "the 17 others needed no reconcile");
        await Settled(session);
        names.Where(n => ReconcilesOf(session, n) > before[n]).Should().BeEquivalentTo(["cr-03", "cr-07", "cr-11"], "a CR is reconciled when it or its deployment changed since its last quiet resync");
        if (listPlatformNamespaces)
        {
            session.Vvp.Calls.Count(c => c.Operation == PlatformOperation.ListDeployments).Should().Be(1);
            session.Vvp.Calls.Should().NotContain(c => c.Operation == PlatformOperation.GetDeployment);
        }
        else
        {
            // One GET per CR: a changed deployment is reconciled against the answer that showed the change, not read twice.
            session.Vvp.Calls.Where(c => c.Operation == PlatformOperation.GetDeployment).Select(c => c.Name).Should().BeEquivalentTo(names);
            session.Vvp.Calls.Should().NotContain(c => c.Operation == PlatformOperation.ListDeployments);
        }

        session.Api.Delete(ApiResource.VvpDeployments, OperatorSession.Namespace, "cr-05");
        await OperatorSession.Eventually(() => session.Cr("cr-05") is null, "the CR is deleted");
        await OperatorSession.Eventually(() => running.Controller.UnchangedRecords == 18 - 1, "a deleted CR's record is forgotten (cr-07 and cr-11 were written, so they have none)");
    }

    [Fact]
    public async Task A_resync_GET_that_fails_makes_a_full_reconcile_and_the_failure_never_reaches_a_status()
    {
        await using var session = await OperatorSession.StartAsync();
        var (running, names) = await SyncedFleetAsync(session, listPlatformNamespaces: false);
        running.Controller.ResyncNow();
        await OperatorSession.Eventually(() => running.Controller.UnchangedRecords == 20, "the first resync recorded what each quiet reconcile read");
        await Settled(session);
        var (writes, skipped) = (running.Controller.KubernetesWrites, running.Controller.UnchangedResyncs);
        var before = names.ToDictionary(n => n, n => ReconcilesOf(session, n));
        session.Vvp.ClearCalls();
        // Two GETs of the resync fail (the adapter's own retries and the workers decide whose): a failed GET never
        // counts as "unchanged", and the reconcile that follows reads again, with its retries.
        session.Vvp.FailNext(PlatformOperation.GetDeployment, PlatformFault.Status(503, "maintenance"), times: 2);

        running.Controller.ResyncNow();

        await OperatorSession.Eventually(() => names.Sum(n => ReconcilesOf(session, n) - before[n]) + (running.Controller.UnchangedResyncs - skipped) == 20, "the resync handled every CR");
        await Settled(session);
        var reconciled = names.Where(n => ReconcilesOf(session, n) > before[n]).ToList();
        reconciled.Should().NotBeEmpty("a CR whose GET failed was reconciled in full").And.HaveCountLessThanOrEqualTo(2);
        session.Vvp.Calls.Count(c => c.Operation == PlatformOperation.GetDeployment).Should().Be(20 + 2, "each CR's GET, and the two that failed asked again");
        names.Should().OnlyContain(n => session.State(n) == "SYNCING");
        running.Controller.KubernetesWrites.Should().Be(writes, "the failures never reached a status");
        running.Controller.UnchangedRecords.Should().Be(20, "the reconciled CRs were quiet again and have their records back");
    }

    [Fact]
    public async Task A_port_that_reads_a_deployment_as_bytes_that_are_not_a_JSON_object_fails_the_resync_s_reconcile_as_a_protocol_error()
    {
        await using var session = await OperatorSession.StartAsync();
        var garbled = new GarbledByteReads();
        var running = session.Start(OperatorSession.Options(), inner => garbled.Wrap(inner));
        session.Apply("test-cr");
        await OperatorSession.Eventually(() => session.State("test-cr") == "SYNCING", "the CR is synced");
        await Settled(session);
        var writes = session.Vvp.WriteCount;

        garbled.Answer = "[1,2]"u8.ToArray();
        running.Controller.ResyncNow();
        await OperatorSession.Eventually(() => ConditionReason(session.Cr("test-cr"), "Synced") == "ProtocolError", "the resync's reconcile failed as a protocol error");
        var synced = (session.Cr("test-cr")!["status"]!["conditions"] as JsonArray)!.OfType<JsonObject>().Single(c => JsonRead.String(c, "type") == "Synced");
        JsonRead.String(synced, "message").Should().Contain("not a JSON object", "the status names what was wrong");

        garbled.Answer = null;
        running.Controller.ResyncNow();
        await OperatorSession.Eventually(() => ConditionReason(session.Cr("test-cr"), "Synced") != "ProtocolError", "the next resync, with good bytes, syncs again");
        session.Vvp.WriteCount.Should().Be(writes, "nothing was written to the platform from bytes that were not a deployment");
    }

    // A platform port whose byte reads answer Answer while it is set (an adapter of another making gone wrong).
    private sealed class GarbledByteReads
    {
        public byte[]? Answer { get; set; }

        public IPlatformClient Wrap(IPlatformClient inner) => new Port(inner, this);

        private sealed class Port(IPlatformClient inner, GarbledByteReads owner) : DelegatingPlatformClient(inner)
        {
            public override async Task<ReadOnlyMemory<byte>?> GetDeploymentAsUtf8Async(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
                owner.Answer is { } answer ? answer : await base.GetDeploymentAsUtf8Async(ns, name, token, cancellationToken);
        }
    }

    [Fact]
    public async Task With_listPlatformNamespaces_a_failed_LIST_is_not_tried_again_in_its_resync_whose_CRs_are_read_with_a_GET_each()
    {
        await using var session = await OperatorSession.StartAsync();
        var (running, names) = await SyncedFleetAsync(session);
        session.Vvp.Edit("default", "cr-07", d => d["spec"]!["maxJobCreationAttempts"] = 1);   // an edit in the UI
        session.Vvp.FailNext(PlatformOperation.ListDeployments, PlatformFault.Status(403), times: 100);
        session.Vvp.ClearCalls();

        running.Controller.ResyncNow();

        await OperatorSession.Eventually(() => JsonRead.Int64(session.Vvp.Snapshot("default", "cr-07"), "spec", "maxJobCreationAttempts") == 99, "the drift is corrected");
        await OperatorSession.Eventually(() => session.Vvp.Calls.Count(c => c.Operation == PlatformOperation.GetDeployment) >= names.Count, "every CR was read");
        await Settled(session);
        var calls = session.Vvp.Calls;
        calls.Count(c => c.Operation == PlatformOperation.ListDeployments).Should().Be(1, "the LIST failed once and was not tried again for each CR");
        calls.Where(c => c.Operation == PlatformOperation.GetDeployment).Select(c => c.Name).Distinct().Should().BeEquivalentTo(names);
        running.Controller.UnchangedRecords.Should().Be(names.Count - 1, "a GET records what it read, as in a resync without LISTs (cr-07 was written)");
        session.Logs.Entries.Where(e => e.Message.StartsWith("The resync's LIST of platform namespace default failed (Forbidden: ", StringComparison.Ordinal))
            .Should().ContainSingle("the failure is logged once, as a warning").Which.Level.Should().Be(LogLevel.Warning);

        session.Vvp.ClearFaults();
        session.Vvp.ClearCalls();
        running.Controller.ResyncNow();
        await OperatorSession.Eventually(() => running.Controller.UnchangedRecords == 20, "the next resync listed again and read every CR from it");
        session.Vvp.Calls.Count(c => c.Operation == PlatformOperation.ListDeployments).Should().Be(1);
    }

    [Fact]
    public async Task By_default_a_resync_lists_a_platform_namespace_that_serves_many_CRs_and_reads_one_that_serves_few_with_a_GET_each()
    {
        await using var session = await OperatorSession.StartAsync();
        var options = OperatorSession.Options();
        options.PlatformNamespaceListing.Should().Be(PlatformNamespaceListing.Auto);
        var running = session.Start(options);
        var many = Enumerable.Range(0, 12).Select(i => $"cr-{i:D2}").ToList();
        var few = Enumerable.Range(0, 3).Select(i => $"few-{i}").ToList();
        foreach (var name in many)
        {
            session.Apply(name);
        }

        foreach (var name in few)
        {
            var cr = TestCrs.SeedDocument();
            cr["spec"]!["deployment"]!["userMetadata"]!["namespace"] = "small";
            session.Apply(name, cr);
        }

        await OperatorSession.Eventually(() => many.Concat(few).All(n => session.State(n) == "SYNCING"), "all CRs are synced");
        await Settled(session);
        session.Vvp.ClearCalls();

        // The first resync knows of no earlier one: the 8th read of a namespace lists it, and the LIST serves the rest.
        running.Controller.ResyncNow();
        await OperatorSession.Eventually(() => running.Controller.UnchangedRecords == 15, "the first resync recorded what each quiet reconcile read");
        await Settled(session);
        var calls = session.Vvp.Calls;
        calls.Where(c => c.Operation == PlatformOperation.ListDeployments).Select(c => c.Namespace).Should().Equal("default");
        calls.Count(c => c.Operation == PlatformOperation.GetDeployment && c.Namespace == "default").Should().Be(NamespaceSnapshots.AutoMinimumReads - 1);
        calls.Where(c => c.Operation == PlatformOperation.GetDeployment && c.Namespace == "small").Select(c => c.Name).Should().BeEquivalentTo(few);

        // The next lists the namespace of 12 CRs at its first read, and still finds and corrects drift in both.
        session.Vvp.Edit("default", "cr-05", d => d["spec"]!["maxJobCreationAttempts"] = 1);   // edits in the UI
        session.Vvp.Edit("small", "few-1", d => d["spec"]!["maxJobCreationAttempts"] = 1);
        session.Vvp.ClearCalls();
        var unchanged = running.Controller.UnchangedResyncs;
        running.Controller.ResyncNow();

        await OperatorSession.Eventually(() => JsonRead.Int64(session.Vvp.Snapshot("default", "cr-05"), "spec", "maxJobCreationAttempts") == 99, "the drift in the listed namespace is corrected");
        await OperatorSession.Eventually(() => JsonRead.Int64(session.Vvp.Snapshot("small", "few-1"), "spec", "maxJobCreationAttempts") == 99, "the drift in the namespace of few CRs is corrected");
        await OperatorSession.Eventually(() => running.Controller.UnchangedResyncs == unchanged + 13, "the 13 others needed no reconcile");
        await Settled(session);
        calls = session.Vvp.Calls;
        calls.Where(c => c.Operation == PlatformOperation.ListDeployments).Select(c => c.Namespace).Should().Equal("default");
        calls.Should().NotContain(c => c.Operation == PlatformOperation.GetDeployment && c.Namespace == "default");
        calls.Where(c => c.Operation == PlatformOperation.GetDeployment && c.Namespace == "small").Select(c => c.Name).Should().BeEquivalentTo(few);
        running.Controller.PlatformNamespaceLists.Should().Be(2);
    }

    [Fact]
    public async Task With_listPlatformNamespaces_a_new_CR_is_reconciled_while_the_resync_waits_for_its_LIST()
    {
        await using var session = await OperatorSession.StartAsync();
        var (running, names) = await SyncedFleetAsync(session);
        session.Vvp.ClearCalls();
        var reconciles = running.Controller.Reconciles;
        var listArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The platform holds the resync's LIST (a namespace of many deployments answers slowly).
        session.Emulator.Intercept = async context =>
        {
            if (context.Request.Method == "GET" && context.Request.Path.Value!.EndsWith("/deployments", StringComparison.Ordinal))
            {
                listArrived.TrySetResult();
                await release.Task;
            }

            return false;
        };
        try
        {
            running.Controller.ResyncNow();
            await listArrived.Task.WaitAsync(TimeSpan.FromSeconds(30));
            session.Apply("late-cr");

            await OperatorSession.Eventually(() => session.State("late-cr") == "SYNCING", "the new CR is synced");
            var calls = session.Vvp.Calls;
            calls.Should().NotContain(c => c.Operation == PlatformOperation.ListDeployments, "the LIST is still held: the new CR did not wait for it");
            calls.Where(c => c.Operation == PlatformOperation.GetDeployment).Select(c => c.Name).Should().OnlyContain(n => n == "late-cr", "no resync read fell back to a GET (the LIST did not time out)");
        }
        finally
        {
            release.TrySetResult();
        }

        await OperatorSession.Eventually(() => running.Controller.Reconciles >= reconciles + 21, "the resync handled every CR once the LIST answered");
        session.Vvp.Calls.Count(c => c.Operation == PlatformOperation.ListDeployments).Should().Be(1);
    }

    [Fact]
    public async Task A_new_CR_is_reconciled_ahead_of_a_resync_of_every_CR_in_the_cache()
    {
        await using var session = await OperatorSession.StartAsync();
        // A GET per CR, so that the platform's calls show where in the resync the new CR was reconciled.
        var running = session.Start(OperatorSession.Options(configure: o => (o.Workers, o.PlatformNamespaceListing) = (1, PlatformNamespaceListing.Never)));
        var names = Enumerable.Range(0, 200).Select(i => $"cr-{i:D3}").ToList();
        foreach (var name in names)
        {
            session.Apply(name);
        }

        await OperatorSession.Eventually(() => names.All(n => session.State(n) == "SYNCING"), "all CRs are synced", TimeSpan.FromMinutes(2));
        await Settled(session);
        session.Vvp.ClearCalls();

        running.Controller.ResyncNow();
        session.Apply("late-cr");

        await OperatorSession.Eventually(() => session.State("late-cr") == "SYNCING", "the new CR is synced");
        await OperatorSession.Eventually(() => session.Vvp.Calls.Count(c => c.Operation == PlatformOperation.GetDeployment && c.Name != "late-cr") >= names.Count, "the resync read every CR (the backlog the new CR was queued behind)");
        var calls = session.Vvp.Calls.ToList();
        var lateFirst = calls.FindIndex(c => c.Name == "late-cr");
        calls.Take(lateFirst).Count(c => c.Operation == PlatformOperation.GetDeployment)
            .Should().BeLessThan(names.Count / 2, "the new CR went ahead of the resync's keys, in the work queue's front lane (one worker; in order it would come after all 200)");
    }

    [Fact]
    public async Task A_change_of_the_status_alone_starts_no_reconcile_and_a_change_of_the_spec_does()
    {
        await using var session = await OperatorSession.StartAsync();
        session.Start(OperatorSession.Options());
        session.Apply("test-cr");
        await OperatorSession.Eventually(() => session.State("test-cr") == "SYNCING", "the CR is synced");
        await Settled(session);

        session.Apply("marker");
        await OperatorSession.Eventually(() => session.State("marker") == "SYNCING", "the marker CR is synced");
        await Settled(session);
        var reconcilesOfTestCr = ReconcilesOf(session, "test-cr");
        var delivered = session.Api.DeliveredEvents;

        session.Api.Update(ApiResource.VvpDeployments, OperatorSession.Namespace, "test-cr", c => c["status"]!["note"] = "written by someone else", status: true);
        await OperatorSession.Eventually(() => session.Api.DeliveredEvents > delivered, "the status-only event was delivered");
        // The positive control: a later event on the same watch is acted on, so the informer has handled the first.
        session.Edit("marker", c => c["spec"]!["deployment"]!["spec"]!["maxJobCreationAttempts"] = 7);
        await OperatorSession.Eventually(() => JsonRead.Int64(session.Vvp.Snapshot("default", "marker"), "spec", "maxJobCreationAttempts") == 7, "the marker's later change was reconciled");
        ReconcilesOf(session, "test-cr").Should().Be(reconcilesOfTestCr, "a status write asks for no reconcile");

        session.Edit("test-cr", c => c["spec"]!["deployment"]!["spec"]!["maxJobCreationAttempts"] = 8);
        await OperatorSession.Eventually(() => ReconcilesOf(session, "test-cr") > reconcilesOfTestCr, "a spec change is reconciled");
    }

    // A controller (with listPlatformNamespaces unless told otherwise) over 20 CRs, cr-00 … cr-19, all synced and settled.
    private static Task<(OperatorSession.Running Running, List<string> Names)> SyncedFleetAsync(OperatorSession session, bool listPlatformNamespaces = true) =>
        SyncedFleetAsync(session, listPlatformNamespaces ? PlatformNamespaceListing.Always : PlatformNamespaceListing.Never, 20);

    // A controller reading platform namespaces as told, over `count` CRs, cr-00 …, all synced and settled.
    private static async Task<(OperatorSession.Running Running, List<string> Names)> SyncedFleetAsync(OperatorSession session, PlatformNamespaceListing listing, int count)
    {
        var running = session.Start(OperatorSession.Options(configure: o => o.PlatformNamespaceListing = listing));
        var names = Enumerable.Range(0, count).Select(i => $"cr-{i:D2}").ToList();
        foreach (var name in names)
        {
            session.Apply(name);
        }

        await OperatorSession.Eventually(() => names.All(n => session.State(n) == "SYNCING"), "all CRs are synced");
        await Settled(session);
        return (running, names);
    }

    // How many reconciles of a CR began, from the reconciler's own log line.
    private static int ReconcilesOf(OperatorSession session, string name) =>
        session.Logs.Entries.Count(e => e.Message.StartsWith($"Reconciling {OperatorSession.Namespace}/{name} ", StringComparison.Ordinal));

    internal static JsonObject Secret(string name, string token) => new()
    {
        ["metadata"] = new JsonObject { ["name"] = name },
        ["type"] = "Opaque",
        ["data"] = new JsonObject { ["apikey"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(token)) },
    };

    internal static string? ConditionReason(JsonObject? cr, string type) =>
        (cr?["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => JsonRead.String(c, "type") == type) is { } condition
            ? JsonRead.String(condition, "reason")
            : null;

    // Waits until nothing is left that would write without a new event: every controller's queue is idle (nothing queued,
    // being reconciled, or waiting for a requeue), no deployment transitions, and every CR's status is current. The next
    // write can then only follow a change the test makes, or a resync.
    internal static Task Settled(OperatorSession session) => OperatorSession.Eventually(
        () => session.Controllers.All(c => c.IsIdle) &&
              session.Api.List(ApiResource.VvpDeployments, OperatorSession.Namespace).All(cr =>
                  JsonRead.Int64(cr, "status", "customResourceStatus", "observedGeneration") == JsonRead.Int64(cr, "metadata", "generation") &&
                  JsonRead.String(cr, "status", "deploymentStatus", "state") is not "TRANSITIONING") &&
              session.Controllers.All(c => c.IsIdle),
        "the controllers are idle and every CR is current");
}
