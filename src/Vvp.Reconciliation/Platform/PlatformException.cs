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

    /// <summary>
    /// The failure a platform's HTTP status means — the one mapping the REST adapter, the in-memory platform and the
    /// emulator share: 400 <see cref="PlatformErrorKind.Rejected"/>, 401 <see cref="PlatformErrorKind.Unauthenticated"/>,
    /// 403 <see cref="PlatformErrorKind.Forbidden"/>, 404 <see cref="PlatformErrorKind.NotFound"/>, 409
    /// <see cref="PlatformErrorKind.Conflict"/>, 429 and 5xx <see cref="PlatformErrorKind.Transient"/>; any other 4xx is
    /// <see cref="PlatformErrorKind.Rejected"/>.
    /// </summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="message">The message (already cleaned for people).</param>
    /// <param name="retryAfter">The answer's <c>Retry-After</c>, if any.</param>
    /// <returns>The exception.</returns>
    public static PlatformException FromStatus(int statusCode, string message, TimeSpan? retryAfter = null) => statusCode switch
    {
        400 => new PlatformException(PlatformErrorKind.Rejected, message, statusCode),
        401 => new PlatformException(PlatformErrorKind.Unauthenticated, message, statusCode),
        403 => new PlatformException(PlatformErrorKind.Forbidden, message, statusCode),
        404 => new PlatformException(PlatformErrorKind.NotFound, message, statusCode),
        409 => new PlatformException(PlatformErrorKind.Conflict, message, statusCode),
        429 or >= 500 => new PlatformException(PlatformErrorKind.Transient, message, statusCode, retryAfter),
        _ => new PlatformException(PlatformErrorKind.Rejected, message, statusCode),
    };

    /// <summary>The HTTP status a failure of <paramref name="kind"/> is answered with (the inverse of <see cref="FromStatus"/>).</summary>
    /// <param name="kind">The failure kind.</param>
    /// <returns>400, 401, 403, 404, 409, or 503 for the transient and the rest.</returns>
    public static int StatusOf(PlatformErrorKind kind) => kind switch
    {
        PlatformErrorKind.Rejected => 400,
        PlatformErrorKind.Unauthenticated => 401,
        PlatformErrorKind.Forbidden => 403,
        PlatformErrorKind.NotFound => 404,
        PlatformErrorKind.Conflict => 409,
        _ => 503,
    };
}
