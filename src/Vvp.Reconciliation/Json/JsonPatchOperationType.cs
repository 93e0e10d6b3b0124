namespace Vvp.Reconciliation.Json;

/// <summary>The six operations of RFC 6902.</summary>
public enum JsonPatchOperationType
{
    /// <summary><c>add</c>: insert or set a value.</summary>
    Add,

    /// <summary><c>remove</c>: delete the value at a path.</summary>
    Remove,

    /// <summary><c>replace</c>: overwrite an existing value.</summary>
    Replace,

    /// <summary><c>move</c>: remove at <c>from</c>, add at <c>path</c>.</summary>
    Move,

    /// <summary><c>copy</c>: add a copy of the value at <c>from</c> at <c>path</c>.</summary>
    Copy,

    /// <summary><c>test</c>: fail unless the value at <c>path</c> equals <c>value</c>.</summary>
    Test,
}
