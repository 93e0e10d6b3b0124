using System.Text.Json.Nodes;
using CsCheck;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Resources;
using Vvp.Reconciliation.Testing;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Cli;

/// <summary>
/// The gate's law: for every CR a cluster would accept, in either mode, with or without an initial savepoint and a
/// named token Secret, against a new or an existing deployment: after one <c>apply</c>, <c>diff</c> exits 0 and a
/// second <c>apply</c> writes nothing. Generated CRs, the emulator over a real socket, the CLI as a pipeline runs it.
/// </summary>
public sealed class CliAgreementTests() : CliEmulatorTest("agree-token-7c1f0e52", new InMemoryPlatformOptions { ApplyDefaults = true, NormalizeValues = true })
{
    private int _case;

    [Fact]
    public async Task After_one_apply_diff_exits_0_and_a_second_apply_writes_nothing_for_every_generated_CR()
    {
        var tokenFile = File("token", Token + "\n");
        var url = Url;
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        // Every combination of mode, initial savepoint, named Secret and an existing deployment, each with generated CRs.
        var combinations =
            from put in new[] { false, true }
            from savepoint in new[] { false, true }
            from secret in new[] { false, true }
            from existing in new[] { false, true }
            select (put, savepoint, secret, existing);
        foreach (var (put, savepoint, secret, existing) in combinations)
        {
            var lives = existing ? CrGen.Live(PlannerOptions.Default).Where(l => l is not null) : Gen.Const((JsonObject?)null);
            // On the thread pool: the cases' awaits do not queue for the test framework's few threads.
            await Task.Run(() => Gen.Select(CrGen.Resource(put), lives).SampleAsync(
                (cr, live) => CaseAsync(cr, savepoint, secret, live, counts, tokenFile, url),
                iter: 8,
                threads: 1));
        }

        counts.Keys.Should().HaveCount(16, string.Join(", ", counts.Select(c => $"{c.Key}: {c.Value}")));
        counts.Values.Should().OnlyContain(n => n >= 8);
    }

    private async Task CaseAsync(VvpDeploymentResource cr, bool savepoint, bool secret, JsonObject? live, Dictionary<string, int> counts, string tokenFile, string url)
    {
        var n = Interlocked.Increment(ref _case);
        var document = cr.ToJsonNode();
        var name = $"job-{n}";
        document["metadata"]!["name"] = "cr-" + n;
        document["spec"]!["deployment"]!["userMetadata"]!["name"] = name;
        if (savepoint)
        {
            document["spec"]!["initialSavepointSpec"] = new JsonObject { ["savepointLocation"] = $"s3://savepoints/{n}" };
        }

        if (secret)
        {
            document["metadata"]!["annotations"] = new JsonObject { ["apikeySecretName"] = "vvp-token" };
        }

        var existing = live is not null;
        if (live is not null)
        {
            // A deployment made elsewhere (no marker of anyone): adopted by the apply.
            live["metadata"]!["name"] = name;
            live["metadata"]!["annotations"]!.AsObject().Remove("reconciliation.vvp/owner");
            live["metadata"]!["annotations"]!.AsObject().Remove("reconciliation.vvp/applied");
            live["metadata"]!.AsObject().Remove("id");
            Emulator.Platform.Seed("default", live);
        }

        var file = File($"cr-{n}.yaml", ResourceWriter.ToYaml(document));
        var apply = await Run("apply", "--cr", file, "--platform", url, "--token-file", tokenFile);
        var diff = await Run("diff", "--cr", file, "--platform", url, "--token-file", tokenFile);
        var before = Emulator.Platform.WriteCount;
        var again = await Run("apply", "--cr", file, "--platform", url, "--token-file", tokenFile);
        var writes = Emulator.Platform.WriteCount - before;

        var shown = $"{ResourceWriter.ToYaml(document)}\n-- apply:\n{apply.Stdout}\n-- diff:\n{diff.Stdout}\n-- again:\n{again.Stdout}";
        if (apply.Code != 0 || diff.Code != 0 || again.Code != 0 || writes != 0)
        {
            throw new InvalidOperationException($"apply {apply.Code}, diff {diff.Code}, apply again {again.Code} with {writes} write(s):\n{shown}");
        }

        var key = $"{(cr.SyncingMode == SyncingMode.Put ? "PUT" : "PATCH")}{(savepoint ? "+savepoint" : string.Empty)}{(secret ? "+secret" : string.Empty)}{(existing ? "+existing" : string.Empty)}";
        lock (counts)
        {
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
    }

}
