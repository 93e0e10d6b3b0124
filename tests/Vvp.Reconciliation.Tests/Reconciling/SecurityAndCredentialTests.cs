using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Reconciling;

public sealed class SecurityAndCredentialTests
{
    private const string Token = "tok-7f3a9c1e-SECRET-d2b4";

    [Fact]
    public async Task The_token_appears_nowhere_in_logs_exceptions_status_events_or_plans()
    {
        var secrets = new DictionarySecrets { [("jobs", "vvp-token", "apikey")] = Encoding.UTF8.GetBytes(Token + "\n") };
        var cr = FakeHost.Cr0("""{"metadata":{"annotations":{"apikeySecretName":"vvp-token"}},"spec":{"initialSavepointSpec":{"savepointLocation":"s3://b/sp"}}}""");
        var host = new FakeHost(cr, o => o.AuthenticationRequired = true, secrets: secrets);
        host.Platform.AddToken(Token, PlatformRole.Editor);
        var seen = new List<string>();

        // Create, drift, every failure kind, a deletion: every path that logs or reports.
        await Run();
        host.Platform.Edit("default", "test-cr", d => d["spec"]!["state"] = "RUNNING");
        await Run();
        foreach (var code in new[] { 400, 401, 403, 409, 500 })
        {
            host.Platform.Edit("default", "test-cr", d => d["spec"]!["maxJobCreationAttempts"] = code);
            host.Platform.FailNext(PlatformOperation.PatchDeployment, PlatformFault.Status(code, $"platform says {code}"));
            host.EditCr("""{"spec":{"deployment":{"spec":{"maxJobCreationAttempts":N}}}}""".Replace("N", (100 + code).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
            await Run();
        }

        host.Platform.FailNext(PlatformOperation.GetDeployment, PlatformFault.Throw(() => new PlatformException(PlatformErrorKind.Transient, "boom")));
        await Run();
        var deletion = await new VvpDeploymentReconciler(host.Platform, new ReconcilerOptions { DeletionPolicy = DeletionPolicy.Delete, WatchedNamespaces = { "jobs" } }, secrets, host.Logger, host.Time).DeleteAsync(host.Cr);
        seen.Add(JsonSerializer.Serialize(deletion.Events));
        seen.Add(new ApiToken[] { ApiToken.From(Token)! }.Select(t => t.ToString()).Single());
        seen.Add(JsonSerializer.Serialize(new { token = ApiToken.From(Token) }));
        seen.AddRange(host.Logger.Entries);

        host.Platform.Calls.Should().NotBeEmpty();
        seen.Should().NotBeEmpty();
        seen.Should().OnlyContain(text => !text.Contains(Token, StringComparison.Ordinal) && !text.Contains("SECRET", StringComparison.Ordinal));

        async Task Run()
        {
            try
            {
                var result = await host.ReconcileAsync();
                seen.Add(result.Status?.ToJsonString() ?? string.Empty);
                seen.Add(JsonSerializer.Serialize(result.Events));
                seen.Add(result.Plan?.ToJsonString() ?? string.Empty);
                seen.Add(result.ToString());
            }
            catch (Exception ex)
            {
                seen.Add(ex.ToString());
            }
        }
    }

    [Fact]
    public async Task The_token_comes_from_the_Secret_in_the_CRs_own_namespace_trimmed()
    {
        var secrets = new DictionarySecrets { [("jobs", "vvp-token", "apikey")] = Encoding.UTF8.GetBytes("  " + Token + "\r\n") };
        var host = new FakeHost(FakeHost.Cr0("""{"metadata":{"annotations":{"apikeySecretName":"vvp-token"}}}"""), o => o.AuthenticationRequired = true, secrets: secrets);
        host.Platform.AddToken(Token, PlatformRole.Owner);

        var result = await host.ReconcileAsync();

        result.Writes.Should().Be(1);
        secrets.Reads.Should().ContainSingle().Which.Should().Be(("jobs", "vvp-token", "apikey"));
    }

    [Fact]
    public async Task A_missing_Secret_or_key_is_Unauthenticated_naming_both_and_calls_nothing()
    {
        var host = new FakeHost(FakeHost.Cr0("""{"metadata":{"annotations":{"apikeySecretName":"absent"}}}"""), o => o.AuthenticationRequired = true, secrets: new DictionarySecrets());

        var result = await host.ReconcileAsync();

        host.Platform.Calls.Should().BeEmpty();
        var synced = FakeHost.Condition(result.Status, "Synced")!;
        synced["reason"]!.GetValue<string>().Should().Be("Unauthenticated");
        synced["message"]!.GetValue<string>().Should().Contain("'absent'").And.Contain("'apikey'");
    }

    [Fact]
    public async Task No_token_while_authentication_is_required_is_Unauthenticated_with_no_call()
    {
        var host = new FakeHost(FakeHost.Cr0(), o => o.AuthenticationRequired = true);

        var result = await host.ReconcileAsync();

        host.Platform.Calls.Should().BeEmpty();
        FakeHost.Condition(result.Status, "Synced")!["reason"]!.GetValue<string>().Should().Be("Unauthenticated");
        result.RequeueAfter.Should().NotBeNull();
    }

    [Fact]
    public async Task An_inline_apikey_annotation_is_accepted_with_a_warning()
    {
        var host = new FakeHost(FakeHost.Cr0("""{"metadata":{"annotations":{"apikey":"TOKEN"}}}""".Replace("TOKEN", Token, StringComparison.Ordinal)), o => o.AuthenticationRequired = true);
        host.Platform.AddToken(Token, PlatformRole.Editor);

        var result = await host.ReconcileAsync();

        result.Writes.Should().Be(1);
        result.Events.Should().Contain(e => e.Reason == "InlineApiKey" && e.Type == "Warning");
    }

    [Fact]
    public async Task A_viewer_token_gets_Forbidden_saying_the_token_needs_editor_or_owner()
    {
        var host = new FakeHost(FakeHost.Cr0("""{"metadata":{"annotations":{"apikey":"TOKEN"}}}""".Replace("TOKEN", Token, StringComparison.Ordinal)), o => o.AuthenticationRequired = true);
        host.Platform.AddToken(Token, PlatformRole.Viewer);

        var result = await host.ReconcileAsync();

        var synced = FakeHost.Condition(result.Status, "Synced")!;
        synced["reason"]!.GetValue<string>().Should().Be("Forbidden");
        synced["message"]!.GetValue<string>().Should().Contain("editor or owner");
        host.Platform.Snapshot("default", "test-cr").Should().BeNull();
    }

    [Fact]
    public async Task A_wrong_token_gets_Unauthenticated()
    {
        var host = new FakeHost(FakeHost.Cr0("""{"metadata":{"annotations":{"apikey":"wrong"}}}"""), o => o.AuthenticationRequired = true);
        host.Platform.AddToken(Token, PlatformRole.Editor);

        var result = await host.ReconcileAsync();

        FakeHost.Condition(result.Status, "Synced")!["reason"]!.GetValue<string>().Should().Be("Unauthenticated");
    }

    [Fact]
    public void An_api_token_redacts_itself_and_trims_what_kubectl_from_file_keeps()
    {
        var token = ApiToken.FromBytes(Encoding.UTF8.GetBytes(Token + "\n"))!;

        token.Reveal().Should().Be(Token);
        token.ToString().Should().Be("***");
        $"{token}".Should().Be("***");
        JsonSerializer.Serialize(token).Should().Be("\"***\"");
        ApiToken.From("  \n").Should().BeNull();
    }

    private sealed class DictionarySecrets : Dictionary<(string, string, string), byte[]>, ISecretReader
    {
        public List<(string, string, string)> Reads { get; } = [];

        public Task<byte[]?> ReadAsync(string kubernetesNamespace, string secretName, string key, CancellationToken cancellationToken)
        {
            Reads.Add((kubernetesNamespace, secretName, key));
            return Task.FromResult(TryGetValue((kubernetesNamespace, secretName, key), out var value) ? value : null);
        }
    }
}
