using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;
using Vvp.Reconciliation.Kubernetes.Testing;

namespace Vvp.Reconciliation.Tests.Kubernetes;

/// <summary>The stand-in keeps the Kubernetes API's semantics, checked over HTTP as a client sees them.</summary>
public sealed class KubernetesApiStandInTests : IAsyncLifetime, IDisposable
{
    private const string Crs = "apis/ververica.platform/v1/namespaces/jobs/vvpdeployments";
    private KubernetesApiStandIn _api = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _api = await KubernetesApiStandIn.StartAsync();
        _http = new HttpClient { BaseAddress = _api.BaseAddress };
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Every_write_gets_a_new_resourceVersion_and_a_list_carries_the_revision()
    {
        var created = await Send(HttpMethod.Post, Crs, Cr("a", 1), HttpStatusCode.Created);
        var updated = await Send(HttpMethod.Put, $"{Crs}/a", created, HttpStatusCode.OK);
        var list = await Send(HttpMethod.Get, Crs, null, HttpStatusCode.OK);

        long.Parse(Version(updated), System.Globalization.CultureInfo.InvariantCulture).Should().BeGreaterThan(long.Parse(Version(created), System.Globalization.CultureInfo.InvariantCulture), "even an identical update is a write");
        JsonRead.String(list, "metadata", "resourceVersion").Should().Be(Version(updated));
        JsonRead.String(list, "kind").Should().Be("VvpDeploymentList");
    }

    [Fact]
    public async Task An_update_with_a_stale_resourceVersion_is_a_409_and_changes_nothing()
    {
        var created = await Send(HttpMethod.Post, Crs, Cr("a", 1), HttpStatusCode.Created);
        await Send(HttpMethod.Put, $"{Crs}/a", created, HttpStatusCode.OK);
        created["spec"]!["deployment"] = new JsonObject { ["x"] = 2 };

        var conflict = await Send(HttpMethod.Put, $"{Crs}/a", created, HttpStatusCode.Conflict);

        JsonRead.String(conflict, "reason").Should().Be("Conflict");
        JsonRead.Int64(_api.Get(ApiResource.VvpDeployments, "jobs", "a"), "spec", "deployment", "x").Should().Be(1);
    }

    [Fact]
    public async Task Generation_counts_spec_changes_only_and_the_status_changes_only_through_the_subresource()
    {
        var created = await Send(HttpMethod.Post, Crs, Cr("a", 1), HttpStatusCode.Created);
        created["status"] = new JsonObject { ["x"] = "ignored" };
        var sameSpec = await Send(HttpMethod.Put, $"{Crs}/a", created, HttpStatusCode.OK);
        JsonRead.Int64(sameSpec, "metadata", "generation").Should().Be(1);
        sameSpec["status"].Should().BeNull("a write to the main resource keeps the stored status");

        sameSpec["status"] = new JsonObject { ["x"] = "kept" };
        sameSpec["spec"]!["deployment"] = new JsonObject { ["x"] = 99 };
        var statusWritten = await Send(HttpMethod.Put, $"{Crs}/a/status", sameSpec, HttpStatusCode.OK);
        JsonRead.String(statusWritten, "status", "x").Should().Be("kept");
        JsonRead.Int64(statusWritten, "spec", "deployment", "x").Should().Be(1, "a write to /status changes only the status");
        JsonRead.Int64(statusWritten, "metadata", "generation").Should().Be(1);

        statusWritten["spec"]!["deployment"] = new JsonObject { ["x"] = 2 };
        var specChanged = await Send(HttpMethod.Put, $"{Crs}/a", statusWritten, HttpStatusCode.OK);
        JsonRead.Int64(specChanged, "metadata", "generation").Should().Be(2);
        JsonRead.String(specChanged, "status", "x").Should().Be("kept");
    }

    [Fact]
    public async Task Merge_patch_and_JSON_patch_apply_and_a_failed_test_is_refused()
    {
        await Send(HttpMethod.Post, Crs, Cr("a", 1), HttpStatusCode.Created);

        var merged = await Send(HttpMethod.Patch, $"{Crs}/a", JsonNode.Parse("""{"spec":{"deployment":{"x":null,"y":3}}}"""), HttpStatusCode.OK, "application/merge-patch+json");
        var version = Version(merged);
        var patched = await Send(HttpMethod.Patch, $"{Crs}/a", JsonNode.Parse($$"""[{"op":"test","path":"/metadata/resourceVersion","value":"{{version}}"},{"op":"replace","path":"/spec/deployment/y","value":4}]"""), HttpStatusCode.OK, "application/json-patch+json");
        await Send(HttpMethod.Patch, $"{Crs}/a", JsonNode.Parse($$"""[{"op":"test","path":"/metadata/resourceVersion","value":"{{version}}"},{"op":"replace","path":"/spec/deployment/y","value":5}]"""), HttpStatusCode.UnprocessableEntity, "application/json-patch+json");

        merged["spec"]!["deployment"]!.AsObject().ContainsKey("x").Should().BeFalse("a merge patch deletes with null");
        JsonRead.Int64(patched, "spec", "deployment", "y").Should().Be(4);
        JsonRead.Int64(_api.Get(ApiResource.VvpDeployments, "jobs", "a"), "spec", "deployment", "y").Should().Be(4);
    }

    [Fact]
    public async Task A_delete_with_finalizers_only_marks_the_object_until_the_last_finalizer_goes()
    {
        var cr = Cr("a", 1);
        cr["metadata"]!["finalizers"] = new JsonArray("x/y");
        await Send(HttpMethod.Post, Crs, cr, HttpStatusCode.Created);

        var marked = await Send(HttpMethod.Delete, $"{Crs}/a", null, HttpStatusCode.OK);
        JsonRead.String(marked, "metadata", "deletionTimestamp").Should().NotBeNull();
        _api.Get(ApiResource.VvpDeployments, "jobs", "a").Should().NotBeNull();

        marked["metadata"]!["finalizers"] = new JsonArray();
        await Send(HttpMethod.Put, $"{Crs}/a", marked, HttpStatusCode.OK);

        _api.Get(ApiResource.VvpDeployments, "jobs", "a").Should().BeNull();
    }

    [Fact]
    public async Task A_watch_replays_from_its_version_and_answers_410_once_that_version_is_compacted()
    {
        var created = await Send(HttpMethod.Post, Crs, Cr("a", 1), HttpStatusCode.Created);
        _api.Update(ApiResource.VvpDeployments, "jobs", "a", c => c["spec"]!["deployment"] = new JsonObject { ["x"] = 2 });
        _api.Delete(ApiResource.VvpDeployments, "jobs", "a");

        var replay = await WatchLines($"{Crs}?watch=true&resourceVersion={Version(created)}", 2);
        replay.Select(l => JsonRead.String(l, "type")).Should().Equal("MODIFIED", "DELETED");

        _api.Compact();
        var gone = await WatchLines($"{Crs}?watch=true&resourceVersion={Version(created)}", 1);
        JsonRead.String(gone[0], "type").Should().Be("ERROR");
        JsonRead.Int64(gone[0], "object", "code").Should().Be(410);
    }

    [Fact]
    public async Task Injected_faults_answer_with_their_status_and_an_outage_drops_the_connection()
    {
        _api.Faults.FailNext("list", "vvpdeployments", 503);
        await Send(HttpMethod.Get, Crs, null, HttpStatusCode.ServiceUnavailable);
        await Send(HttpMethod.Get, Crs, null, HttpStatusCode.OK);

        _api.Faults.Outage = true;
        var during = () => _http.GetAsync(new Uri(Crs, UriKind.Relative));
        await during.Should().ThrowAsync<HttpRequestException>();
        _api.Faults.Outage = false;

        _api.Calls.Select(c => c.StatusCode).Should().Equal(503, 200, 0);
    }

    private static JsonObject Cr(string name, int x) => new()
    {
        ["apiVersion"] = "ververica.platform/v1",
        ["kind"] = "VvpDeployment",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["deployment"] = new JsonObject { ["x"] = x } },
    };

    private static string Version(JsonObject obj) => JsonRead.String(obj, "metadata", "resourceVersion")!;

    private async Task<JsonObject> Send(HttpMethod method, string path, JsonNode? body, HttpStatusCode expected, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        using var response = await _http.SendAsync(request);
        response.StatusCode.Should().Be(expected);
        return (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private async Task<List<JsonObject>> WatchLines(string path, int count)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var lines = new List<JsonObject>();
        while (lines.Count < count && await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(5)) is { } line)
        {
            lines.Add((JsonObject)JsonNode.Parse(line)!);
        }

        return lines;
    }
}
