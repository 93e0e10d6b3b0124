using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Tests.Testing;

public sealed class InMemoryPlatformTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
    private readonly InMemoryPlatform _platform;

    public InMemoryPlatformTests()
    {
        _platform = new InMemoryPlatform(new InMemoryPlatformOptions { TimeProvider = _time });
    }

    private static JsonObject Deployment(string state = "RUNNING") => (JsonObject)JsonNode.Parse("""
        {"metadata":{"name":"job","displayName":"Job","labels":{"a":"1"}},"spec":{"state":"STATE","deploymentTargetName":"t"}}
        """.Replace("STATE", state, StringComparison.Ordinal))!;

    [Fact]
    public async Task Without_RecordCalls_the_platform_counts_its_writes_and_keeps_no_call_and_the_emulator_without_RecordExchanges_counts_requests_only()
    {
        var quiet = new InMemoryPlatform(new InMemoryPlatformOptions { TimeProvider = _time, RecordCalls = false });
        await using var emulator = await Vvp.Reconciliation.Emulator.PlatformEmulator.StartAsync(quiet);
        emulator.RecordExchanges = false;
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        (await http.PostAsync("api/v1/namespaces/ns/deployments", new StringContent(Deployment().ToJsonString(), System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        (await http.GetAsync("api/v1/namespaces/ns/deployments/job")).EnsureSuccessStatusCode();

        emulator.Requests.Should().Be(2);
        quiet.WriteCount.Should().Be(1, "the create is counted");
        quiet.Calls.Should().BeEmpty();
        emulator.Exchanges.Should().BeEmpty();
        emulator.Received.Should().BeEmpty();

        // The defaults keep them, as contract tests read them.
        await _platform.CreateDeploymentAsync("ns", Deployment(), null, default);
        _platform.Calls.Should().ContainSingle().Which.Body.Should().NotBeNull();
    }

    [Fact]
    public async Task A_deployment_is_found_by_its_id_in_its_own_namespace_only_and_not_after_it_is_gone()
    {
        var created = await _platform.CreateDeploymentAsync("ns", Deployment(), null, default);
        var id = created["metadata"]!["id"]!.GetValue<string>();

        (await _platform.GetDeploymentAsync("ns", id, null, default))!["metadata"]!["name"]!.GetValue<string>().Should().Be("job");
        (await _platform.GetDeploymentAsync("other", id, null, default)).Should().BeNull();
        var exported = _platform.ExportState();
        _platform.Remove("ns", "job").Should().BeTrue();
        (await _platform.GetDeploymentAsync("ns", id, null, default)).Should().BeNull();
        _platform.ImportState(exported);
        (await _platform.GetDeploymentAsync("ns", id, null, default)).Should().NotBeNull("an imported state is indexed by id too");
    }

    [Fact]
    public async Task Create_assigns_id_timestamps_version_system_annotations_and_defaults()
    {
        var created = await _platform.CreateDeploymentAsync("ns", Deployment(), null, default);

        created["metadata"]!["id"]!.GetValue<string>().Should().MatchRegex("^[0-9a-f-]{36}$");
        created["metadata"]!["createdAt"]!.GetValue<string>().Should().StartWith("2026-01-02T03:04:05");
        created["metadata"]!["resourceVersion"]!.GetValue<long>().Should().Be(1);
        created["metadata"]!["annotations"]!["com.dataartisans.appmanager.controller.deployment.spec.version"]!.GetValue<string>().Should().Be("1");
        created["metadata"]!["annotations"]!["com.dataartisans.appmanager.controller.deployment.transitioning"]!.GetValue<string>().Should().Be("true");
        created["spec"]!["upgradeStrategy"]!["kind"]!.GetValue<string>().Should().Be("STATEFUL");
        created["spec"]!["restoreStrategy"]!["kind"]!.GetValue<string>().Should().Be("LATEST_STATE");
        created["spec"]!["template"]!["spec"]!["parallelism"]!.GetValue<int>().Should().Be(1);
        created["status"]!["state"]!.GetValue<string>().Should().Be("TRANSITIONING");
    }

    [Fact]
    public async Task The_state_machine_reaches_the_desired_state_after_the_transition_time()
    {
        await _platform.CreateDeploymentAsync("ns", Deployment(), null, default);

        _time.Advance(TimeSpan.FromSeconds(9));
        (await _platform.GetDeploymentAsync("ns", "job", null, default))!["status"]!["state"]!.GetValue<string>().Should().Be("TRANSITIONING");
        _time.Advance(TimeSpan.FromSeconds(1));
        var running = (await _platform.GetDeploymentAsync("ns", "job", null, default))!;

        running["status"]!["state"]!.GetValue<string>().Should().Be("RUNNING");
        running["status"]!["running"]!["jobId"].Should().NotBeNull();
    }

    [Fact]
    public async Task Transitions_can_be_completed_by_an_explicit_step()
    {
        await _platform.CreateDeploymentAsync("ns", Deployment(), null, default);

        _platform.CompleteTransitions();

        _platform.Snapshot("ns", "job")!["status"]!["state"]!.GetValue<string>().Should().Be("RUNNING");
    }

    [Fact]
    public async Task Every_write_bumps_the_resource_version_an_identical_patch_too()
    {
        await _platform.CreateDeploymentAsync("ns", Deployment(), null, default);
        var patch = (JsonObject)JsonNode.Parse("""{"spec":{"state":"RUNNING"}}""")!;

        var first = await _platform.PatchDeploymentAsync("ns", "job", patch, null, default);
        var second = await _platform.PatchDeploymentAsync("ns", "job", patch, null, default);

        first["metadata"]!["resourceVersion"]!.GetValue<long>().Should().Be(2);
        second["metadata"]!["resourceVersion"]!.GetValue<long>().Should().Be(3);
        second["metadata"]!["annotations"]!["com.dataartisans.appmanager.controller.deployment.spec.version"]!.GetValue<string>().Should().Be("1", "the spec did not change");
    }

    [Fact]
    public async Task Patch_merges_by_RFC_7396_and_keeps_what_it_does_not_mention()
    {
        await _platform.CreateDeploymentAsync("ns", Deployment(), null, default);

        var patched = await _platform.PatchDeploymentAsync("ns", "job", (JsonObject)JsonNode.Parse("""{"metadata":{"labels":{"b":"2","a":null}},"spec":{"maxJobCreationAttempts":3}}""")!, null, default);

        patched["metadata"]!["labels"]!.ToJsonString().Should().Be("""{"b":"2"}""");
        patched["metadata"]!["displayName"]!.GetValue<string>().Should().Be("Job");
        patched["spec"]!["deploymentTargetName"]!.GetValue<string>().Should().Be("t");
        patched["spec"]!["maxJobCreationAttempts"]!.GetValue<int>().Should().Be(3);
    }

    [Fact]
    public async Task Put_upserts_and_replaces_the_user_part_keeping_id_and_system_annotations()
    {
        var created = await _platform.ReplaceDeploymentAsync("ns", "job", Deployment(), null, default);
        var replaced = await _platform.ReplaceDeploymentAsync("ns", "job", (JsonObject)JsonNode.Parse("""{"metadata":{"name":"job"},"spec":{"state":"CANCELLED","deploymentTargetName":"t2"}}""")!, null, default);

        replaced["metadata"]!["id"]!.GetValue<string>().Should().Be(created["metadata"]!["id"]!.GetValue<string>());
        replaced["metadata"]!.AsObject().ContainsKey("displayName").Should().BeFalse();
        replaced["metadata"]!["annotations"]!["com.dataartisans.appmanager.controller.deployment.spec.version"]!.GetValue<string>().Should().Be("2");
        replaced["spec"]!["deploymentTargetName"]!.GetValue<string>().Should().Be("t2");
    }

    [Fact]
    public async Task Delete_is_refused_unless_cancelled_or_suspended()
    {
        await _platform.CreateDeploymentAsync("ns", Deployment(), null, default);

        var refused = async () => await _platform.DeleteDeploymentAsync("ns", "job", null, default);
        (await refused.Should().ThrowAsync<PlatformException>()).Which.Kind.Should().Be(PlatformErrorKind.Rejected);

        await _platform.PatchDeploymentAsync("ns", "job", (JsonObject)JsonNode.Parse("""{"spec":{"state":"SUSPENDED"}}""")!, null, default);
        await _platform.DeleteDeploymentAsync("ns", "job", null, default);
        (await _platform.GetDeploymentAsync("ns", "job", null, default)).Should().BeNull();
    }

    [Fact]
    public async Task Savepoints_are_registered_with_origin_COPIED_and_listed_per_deployment()
    {
        var created = await _platform.CreateDeploymentAsync("ns", Deployment("CANCELLED"), null, default);
        var id = created["metadata"]!["id"]!.GetValue<string>();

        await _platform.CreateSavepointAsync("ns", (JsonObject)JsonNode.Parse("""{"metadata":{"deploymentId":"ID"},"spec":{"savepointLocation":"s3://x"},"status":{"state":"COMPLETED"}}""".Replace("ID", id, StringComparison.Ordinal))!, null, default);
        var listed = await _platform.ListSavepointsAsync("ns", id, null, default);

        listed.Should().ContainSingle().Which["metadata"]!["origin"]!.GetValue<string>().Should().Be("COPIED");
        (await _platform.ListSavepointsAsync("ns", "other", null, default)).Should().BeEmpty();
    }

    [Fact]
    public async Task Tokens_and_roles_are_enforced_once_a_token_is_added()
    {
        _platform.AddToken("viewer-token", PlatformRole.Viewer);
        _platform.AddToken("editor-token", PlatformRole.Editor);

        var none = async () => await _platform.GetDeploymentAsync("ns", "job", null, default);
        var viewerWrite = async () => await _platform.CreateDeploymentAsync("ns", Deployment(), ApiToken.From("viewer-token"), default);

        (await none.Should().ThrowAsync<PlatformException>()).Which.Kind.Should().Be(PlatformErrorKind.Unauthenticated);
        (await viewerWrite.Should().ThrowAsync<PlatformException>()).Which.Kind.Should().Be(PlatformErrorKind.Forbidden);
        (await _platform.GetDeploymentAsync("ns", "job", ApiToken.From("viewer-token"), default)).Should().BeNull();
        (await _platform.CreateDeploymentAsync("ns", Deployment(), ApiToken.From("editor-token"), default)).Should().NotBeNull();
    }

    [Fact]
    public async Task Faults_are_injected_once_or_at_random_reproducibly_and_every_call_is_recorded()
    {
        _platform.FailNext(PlatformOperation.GetDeployment, PlatformFault.Status(503));
        var failing = async () => await _platform.GetDeploymentAsync("ns", "job", null, default);
        (await failing.Should().ThrowAsync<PlatformException>()).Which.Kind.Should().Be(PlatformErrorKind.Transient);
        (await _platform.GetDeploymentAsync("ns", "job", null, default)).Should().BeNull();

        async Task<int> CountFailures(int seed)
        {
            var platform = new InMemoryPlatform();
            platform.FailRandomly(PlatformOperation.ListDeployments, PlatformFault.Timeout(), 0.3, seed);
            var failures = 0;
            for (var i = 0; i < 200; i++)
            {
                try
                {
                    await platform.ListDeploymentsAsync("ns", null, default);
                }
                catch (PlatformException)
                {
                    failures++;
                }
            }

            return failures;
        }

        var a = await CountFailures(42);
        (await CountFailures(42)).Should().Be(a);
        a.Should().BeInRange(30, 90);
        _platform.Calls.Should().HaveCount(2);
        _platform.WriteCount.Should().Be(0);
    }

    [Fact]
    public async Task Memory_sizes_are_normalised_when_asked()
    {
        var platform = new InMemoryPlatform(new InMemoryPlatformOptions { NormalizeValues = true });

        var created = await platform.CreateDeploymentAsync("ns", (JsonObject)JsonNode.Parse("""{"metadata":{"name":"job"},"spec":{"deploymentTargetName":"t","template":{"spec":{"resources":{"jobmanager":{"cpu":1,"memory":"1.5g"}}}}}}""")!, null, default);

        created["spec"]!["template"]!["spec"]!["resources"]!["jobmanager"]!["memory"]!.GetValue<string>().Should().Be("1536m");
    }

    [Fact]
    public async Task Invalid_names_and_specs_are_rejected_like_the_platform_does()
    {
        var badName = async () => await _platform.CreateDeploymentAsync("ns", (JsonObject)JsonNode.Parse("""{"metadata":{"name":"Bad_Name"},"spec":{"deploymentTargetName":"t"}}""")!, null, default);
        var noTarget = async () => await _platform.CreateDeploymentAsync("ns", (JsonObject)JsonNode.Parse("""{"metadata":{"name":"job"},"spec":{}}""")!, null, default);

        (await badName.Should().ThrowAsync<PlatformException>()).Which.Kind.Should().Be(PlatformErrorKind.Rejected);
        (await noTarget.Should().ThrowAsync<PlatformException>()).Which.Kind.Should().Be(PlatformErrorKind.Rejected);
    }
}
