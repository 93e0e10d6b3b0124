namespace Vvp.Reconciliation.Platform;

/// <summary>How a platform call failed; the reconciler decides what to do from this alone.</summary>
public enum PlatformErrorKind
{
    /// <summary>400: the platform rejected the request (an invalid spec). Not retried until the CR changes.</summary>
    Rejected,

    /// <summary>401: no valid API token.</summary>
    Unauthenticated,

    /// <summary>403: the token lacks the role (editor or owner is needed to write).</summary>
    Forbidden,

    /// <summary>404 on a write: the deployment is gone.</summary>
    NotFound,

    /// <summary>409: a conflicting change; re-read and re-plan.</summary>
    Conflict,

    /// <summary>429, 5xx, a time-out or a connection failure: worth retrying later.</summary>
    Transient,

    /// <summary>
    /// The platform answered with success but not in the expected shape (not a JSON object, no <c>metadata</c>,
    /// another deployment's name or namespace, a body that is not JSON): nothing is recorded as synced.
    /// </summary>
    Protocol,

    /// <summary>The platform's version is older than the oldest one supported; nothing is sent to it.</summary>
    Unsupported,
}
