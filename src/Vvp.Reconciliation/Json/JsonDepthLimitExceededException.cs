namespace Vvp.Reconciliation.Json;

/// <summary>
/// Thrown when a JSON document is nested deeper than the configured maximum depth.
/// </summary>
public sealed class JsonDepthLimitExceededException : Exception
{
    /// <summary>Creates the exception for the given limit.</summary>
    /// <param name="maxDepth">The limit that was exceeded.</param>
    public JsonDepthLimitExceededException(int maxDepth)
        : base($"The JSON document is nested deeper than the maximum depth of {maxDepth}.")
    {
        MaxDepth = maxDepth;
    }

    /// <summary>Creates the exception with a default message.</summary>
    public JsonDepthLimitExceededException()
        : this(JsonLimits.DefaultMaxDepth)
    {
    }

    /// <summary>Creates the exception with a custom message.</summary>
    /// <param name="message">The message.</param>
    public JsonDepthLimitExceededException(string message)
        : base(message)
    {
        MaxDepth = JsonLimits.DefaultMaxDepth;
    }

    /// <summary>Creates the exception with a custom message and inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public JsonDepthLimitExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
        MaxDepth = JsonLimits.DefaultMaxDepth;
    }

    /// <summary>The maximum depth that was exceeded.</summary>
    public int MaxDepth { get; }
}
