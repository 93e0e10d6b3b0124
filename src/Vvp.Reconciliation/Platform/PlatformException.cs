namespace Vvp.Reconciliation.Platform;

/// <summary>
/// A platform call failed. <see cref="Kind"/> says how; the message is the platform's (or a short
/// description) and never contains the API token.
/// </summary>
public sealed class PlatformException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">How the call failed.</param>
    /// <param name="message">The platform's message or a description.</param>
    /// <param name="statusCode">The HTTP status code, when there was one.</param>
    /// <param name="retryAfter">How long the platform asked to wait (<c>Retry-After</c>), if it did.</param>
    /// <param name="innerException">The cause.</param>
    public PlatformException(PlatformErrorKind kind, string message, int? statusCode = null, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        StatusCode = statusCode;
        RetryAfter = retryAfter;
    }

    /// <summary>Creates a transient failure with a default message.</summary>
    public PlatformException()
        : this(PlatformErrorKind.Transient, "The platform call failed.")
    {
    }

    /// <summary>Creates a transient failure.</summary>
    /// <param name="message">The message.</param>
    public PlatformException(string message)
        : this(PlatformErrorKind.Transient, message)
    {
    }

    /// <summary>Creates a transient failure with a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PlatformException(string message, Exception innerException)
        : this(PlatformErrorKind.Transient, message, null, null, innerException)
    {
    }

    /// <summary>How the call failed.</summary>
    public PlatformErrorKind Kind { get; }

    /// <summary>The HTTP status code, when there was one.</summary>
    public int? StatusCode { get; }

    /// <summary>How long the platform asked to wait before retrying.</summary>
    public TimeSpan? RetryAfter { get; }
}
