namespace Vvp.Reconciliation.Testing;

/// <summary>The faults an <see cref="InMemoryPlatform"/> is told to inject: the next calls of an operation, or calls at random (seeded).</summary>
internal sealed class FaultSchedule
{
    private readonly Dictionary<PlatformOperation, Queue<PlatformFault>> _next = [];
    private readonly List<(PlatformOperation Operation, PlatformFault Fault, double Probability, Random Random)> _random = [];

    public void FailNext(PlatformOperation operation, PlatformFault fault, int times)
    {
        if (!_next.TryGetValue(operation, out var queue))
        {
            _next[operation] = queue = new Queue<PlatformFault>();
        }

        for (var i = 0; i < times; i++)
        {
            queue.Enqueue(fault);
        }
    }

    public void FailRandomly(PlatformOperation operation, PlatformFault fault, double probability, int seed) =>
        _random.Add((operation, fault, probability, new Random(seed)));

    public void Clear()
    {
        _next.Clear();
        _random.Clear();
    }

    /// <summary>The fault for this call of <paramref name="operation"/>, if any: a scheduled one first, then a random one.</summary>
    public PlatformFault? Next(PlatformOperation operation)
    {
        if (_next.TryGetValue(operation, out var queue) && queue.Count > 0)
        {
            return queue.Dequeue();
        }

        foreach (var (op, fault, probability, random) in _random)
        {
            if (op == operation && random.NextDouble() < probability)
            {
                return fault;
            }
        }

        return null;
    }
}
