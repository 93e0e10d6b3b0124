using System.Text.Json.Nodes;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Stress;

/// <summary>
/// A platform that mostly behaves (an <see cref="InMemoryPlatform"/> underneath) and otherwise fails with any kind of
/// error, or answers in a wrong shape: no metadata, another name, values of the wrong type, documents nested too deep.
/// </summary>
internal sealed class FuzzPlatform(Random random, FuzzReport report) : IPlatformClient
{
    private readonly InMemoryPlatform _inner = new(new InMemoryPlatformOptions { TransitionDuration = TimeSpan.Zero, NormalizeValues = true });

    public int Calls { get; private set; }

    public Task<JsonObject?> GetDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        CallAsync(() => _inner.GetDeploymentAsync(ns, name, token, cancellationToken), a => a is null ? null : Mutate(a));

    public Task<IReadOnlyList<JsonObject>> ListDeploymentsAsync(string ns, ApiToken? token, CancellationToken cancellationToken) =>
        CallAsync(() => _inner.ListDeploymentsAsync(ns, token, cancellationToken), a => [.. a.Select(Mutate)]);

    public Task<JsonObject> CreateDeploymentAsync(string ns, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) =>
        CallAsync(() => _inner.CreateDeploymentAsync(ns, deployment, token, cancellationToken), Mutate);

    public Task<JsonObject> PatchDeploymentAsync(string ns, string name, JsonObject patch, ApiToken? token, CancellationToken cancellationToken) =>
        CallAsync(() => _inner.PatchDeploymentAsync(ns, name, patch, token, cancellationToken), Mutate);

    public Task<JsonObject> ReplaceDeploymentAsync(string ns, string name, JsonObject deployment, ApiToken? token, CancellationToken cancellationToken) =>
        CallAsync(() => _inner.ReplaceDeploymentAsync(ns, name, deployment, token, cancellationToken), Mutate);

    public Task DeleteDeploymentAsync(string ns, string name, ApiToken? token, CancellationToken cancellationToken) =>
        CallAsync(async () => { await _inner.DeleteDeploymentAsync(ns, name, token, cancellationToken).ConfigureAwait(false); return true; }, a => a);

    public Task<IReadOnlyList<JsonObject>> ListSavepointsAsync(string ns, string deploymentId, ApiToken? token, CancellationToken cancellationToken) =>
        CallAsync(() => _inner.ListSavepointsAsync(ns, deploymentId, token, cancellationToken), a => [.. a.Select(Mutate)]);

    public Task<JsonObject> CreateSavepointAsync(string ns, JsonObject savepoint, ApiToken? token, CancellationToken cancellationToken) =>
        CallAsync(() => _inner.CreateSavepointAsync(ns, savepoint, token, cancellationToken), Mutate);

    private async Task<T> CallAsync<T>(Func<Task<T>> call, Func<T, T> mutate)
    {
        Calls++;
        var roll = random.Next(10);
        if (roll == 0)
        {
            report.PlatformFaults++;
            throw Failure();
        }

        var answer = await call().ConfigureAwait(false);
        if (roll == 1)
        {
            report.PlatformFaults++;
            return mutate(answer);
        }

        return answer;
    }

    private PlatformException Failure()
    {
        var kind = (PlatformErrorKind)random.Next(Enum.GetValues<PlatformErrorKind>().Length);
        TimeSpan? retryAfter = random.Next(5) switch
        {
            0 => TimeSpan.FromSeconds(100_000),
            1 => TimeSpan.FromSeconds(-5),
            2 => TimeSpan.Zero,
            _ => null,
        };
        var message = random.Next(3) == 0 ? "\u001b[31mboom\r\n" + new string('m', 10_000) : "boom";
        return new PlatformException(kind, message, random.Next(2) == 0 ? null : random.Next(100, 600), retryAfter);
    }

    private JsonObject Mutate(JsonObject answer)
    {
        var copy = answer.DeepClone().AsObject();
        switch (random.Next(9))
        {
            case 0:
                copy.Remove("metadata");
                break;
            case 1:
                if (copy["metadata"] is JsonObject metadata)
                {
                    metadata["name"] = "someone-else";
                }

                break;
            case 2:
                copy["metadata"] = "not an object";
                break;
            case 3:
                copy["spec"] = new JsonArray(1, 2);
                break;
            case 4:
                copy["status"] = 42;
                break;
            case 5:
                if (copy["metadata"] is JsonObject m)
                {
                    m["annotations"] = new JsonObject { ["k"] = 1, ["reconciliation.vvp/owner"] = new JsonArray() };
                    m["resourceVersion"] = new JsonObject();
                }

                break;
            case 6:
                copy["spec"] = Fuzzer.Value(random);
                break;
            case 7:
                JsonNode deep = "leaf";
                for (var i = 0; i < 100; i++)
                {
                    deep = new JsonObject { ["d"] = deep };
                }

                copy["spec"] = deep;
                break;
            default:
                if (copy["metadata"] is JsonObject meta)
                {
                    meta["id"] = Fuzzer.Value(random);
                    meta["namespace"] = Fuzzer.Value(random);
                }

                break;
        }

        return copy;
    }
}
