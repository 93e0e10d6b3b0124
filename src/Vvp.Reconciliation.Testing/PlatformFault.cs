using Vvp.Reconciliation.Platform;

namespace Vvp.Reconciliation.Testing;

/// <summary>A failure the in-memory platform answers with instead of doing the call.</summary>
public sealed class PlatformFault
{
    private readonly Func<Exception> _make;

    private PlatformFault(string description, Func<Exception> make)
    {
        Description = description;
        _make = make;
    }

    /// <summary>What the fault is, for test output.</summary>
    public string Description { get; }

    /// <summary>An HTTP status code answer, mapped as the REST adapter maps it.</summary>
    /// <param name="statusCode">400, 401, 403, 404, 409, 429, 500, 503, …</param>
    /// <param name="message">The platform's message.</param>
    /// <param name="retryAfter">A <c>Retry-After</c>, if any.</param>
    /// <returns>The fault.</returns>
    public static PlatformFault Status(int statusCode, string? message = null, TimeSpan? retryAfter = null) =>
        new($"HTTP {statusCode}", () => InMemoryPlatform.ErrorFor(statusCode, message ?? $"injected HTTP {statusCode}", retryAfter));

    /// <summary>A time-out (a transient failure).</summary>
    /// <returns>The fault.</returns>
    public static PlatformFault Timeout() =>
        new("time-out", () => new PlatformException(PlatformErrorKind.Transient, "The request timed out.", null, null, new TimeoutException("injected time-out")));

    /// <summary>An arbitrary exception, thrown as it is.</summary>
    /// <param name="exception">Makes the exception.</param>
    /// <returns>The fault.</returns>
    public static PlatformFault Throw(Func<Exception> exception) => new("exception", exception);

    internal Exception Create() => _make();

    /// <inheritdoc />
    public override string ToString() => Description;
}
