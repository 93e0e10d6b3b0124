namespace Vvp.Reconciliation.Testing;

/// <summary>The in-memory platform's record of calls, and the count of those that write, kept as they happen.</summary>
internal sealed class CallLog(bool keep = true)
{
    private readonly List<PlatformCall> _calls = [];

    public int Writes { get; private set; }

    public IReadOnlyList<PlatformCall> Snapshot() => [.. _calls];

    public void Record(PlatformCall call)
    {
        if (keep)
        {
            _calls.Add(call);
        }

        Writes += call.IsWrite ? 1 : 0;
    }

    public void Clear()
    {
        _calls.Clear();
        Writes = 0;
    }
}
