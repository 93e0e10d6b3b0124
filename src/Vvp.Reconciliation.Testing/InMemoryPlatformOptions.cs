namespace Vvp.Reconciliation.Testing;

/// <summary>How the in-memory platform behaves.</summary>
public sealed class InMemoryPlatformOptions
{
    /// <summary>The clock for timestamps and state transitions. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Fill in what the platform fills in on every write when absent: <c>state: RUNNING</c>,
    /// <c>upgradeStrategy</c>, <c>restoreStrategy</c>, <c>template.spec.parallelism</c> and resources. Default true.
    /// </summary>
    public bool ApplyDefaults { get; set; } = true;

    /// <summary>Rewrite memory sizes to mebibytes as some platform versions do (<c>1g</c> → <c>1024m</c>). Default false.</summary>
    public bool NormalizeValues { get; set; }

    /// <summary>How long a change of <c>spec.state</c> stays <c>TRANSITIONING</c> before the target state is reached. Default 10 s.</summary>
    public TimeSpan TransitionDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Whether each call is kept in <see cref="InMemoryPlatform.Calls"/> (with a copy of its body). Default true; false for
    /// long runs over large fleets, where only <see cref="InMemoryPlatform.WriteCount"/> is counted.
    /// </summary>
    public bool RecordCalls { get; set; } = true;
}
