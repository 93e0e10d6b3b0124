namespace Vvp.Reconciliation.Kubernetes;

/// <summary>
/// The controller's one backoff rule, for the work queue, the informers' relists, the namespace-lock claim and a
/// standby's lease tries: <c>base × 2^(failures − 1)</c>, capped at <paramref name="Max"/>, then stretched by up to
/// <paramref name="Jitter"/> of itself (client-go's jitter), so that replicas and informers that failed together do not
/// retry together. The cap bounds the delay before the jitter, as client-go's does.
/// </summary>
/// <param name="Base">The first delay.</param>
/// <param name="Max">The longest delay before jitter.</param>
/// <param name="Jitter">The largest stretch, as a fraction of the delay (0: none).</param>
internal readonly record struct Backoff(TimeSpan Base, TimeSpan Max, double Jitter = 0)
{
    /// <summary>The delay after the <paramref name="failures"/>-th failure in a row (1 for the first).</summary>
    /// <param name="failures">The failures so far, at least 1.</param>
    /// <param name="random">The randomness of the jitter; <see cref="Random.Shared"/> when omitted.</param>
    /// <returns>The delay.</returns>
    public TimeSpan Delay(int failures, Random? random = null)
    {
        var factor = Math.Pow(2, Math.Clamp(failures - 1, 0, 30));
        var ticks = Math.Min(Max.Ticks, Base.Ticks * factor);
        if (Jitter > 0)
        {
            ticks += ticks * Jitter * (random ?? Random.Shared).NextDouble();
        }

        return TimeSpan.FromTicks((long)ticks);
    }
}
