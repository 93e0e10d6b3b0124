using System.Collections;

namespace Vvp.Reconciliation.Kubernetes;

/// <summary>The logging scope of one handling of a CR: its namespace, name and trigger as fields, <c>ns/name</c> as text.</summary>
internal sealed class CrScope(string ns, string name, string trigger) : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly KeyValuePair<string, object?>[] _fields = [new("Namespace", ns), new("Name", name), new("Trigger", trigger)];

    public int Count => _fields.Length;

    public KeyValuePair<string, object?> this[int index] => _fields[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)_fields).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _fields.GetEnumerator();

    public override string ToString() => $"{ns}/{name}";
}
