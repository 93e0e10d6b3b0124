namespace Vvp.Reconciliation.Resources;

/// <summary>Limits applied when reading YAML or JSON documents; anything beyond them is an error, never an exception.</summary>
public sealed record ResourceReaderOptions
{
    /// <summary>The default options: 1 MiB, depth 64, 100,000 nodes.</summary>
    public static ResourceReaderOptions Default { get; } = new();

    /// <summary>The largest document accepted, in UTF-8 bytes. Default 1 MiB.</summary>
    public int MaxBytes { get; init; } = 1024 * 1024;

    /// <summary>The deepest nesting accepted. Default 64.</summary>
    public int MaxDepth { get; init; } = Json.JsonLimits.DefaultMaxDepth;

    /// <summary>
    /// The most values one document may expand to, counting every value an alias repeats, so a
    /// "billion laughs" alias bomb is refused. Default 100,000.
    /// </summary>
    public int MaxNodes { get; init; } = 100_000;
}
