namespace Vvp.Reconciliation.Json;

/// <summary>
/// Limits shared by the JSON engine. Every recursive algorithm in <see cref="Json"/> checks the
/// nesting depth it reaches, so a hostile document is refused with
/// <see cref="JsonDepthLimitExceededException"/> instead of overflowing the stack.
/// </summary>
public static class JsonLimits
{
    /// <summary>The default maximum nesting depth (containers inside containers): 64.</summary>
    public const int DefaultMaxDepth = 64;

    internal static void EnsureDepth(int depth, int maxDepth)
    {
        if (depth > maxDepth)
        {
            throw new JsonDepthLimitExceededException(maxDepth);
        }
    }

    internal static void ValidateMaxDepth(int maxDepth)
    {
        if (maxDepth < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDepth), maxDepth, "The maximum depth must be at least 1.");
        }
    }
}
