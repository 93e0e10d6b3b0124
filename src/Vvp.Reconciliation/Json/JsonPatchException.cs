namespace Vvp.Reconciliation.Json;

/// <summary>
/// A JSON Patch could not be parsed or applied. The message names the operation (by index) and the reason.
/// </summary>
public sealed class JsonPatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="operationIndex">The zero-based index of the failing operation, if one failed.</param>
    /// <param name="reason">What went wrong, for a person.</param>
    public JsonPatchException(int? operationIndex, string reason)
        : base(operationIndex is null ? reason : $"JSON Patch operation {operationIndex}: {reason}")
    {
        OperationIndex = operationIndex;
        Reason = reason;
    }

    /// <summary>Creates the exception with a default message.</summary>
    public JsonPatchException()
        : this(null, "The JSON Patch is invalid.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public JsonPatchException(string message)
        : this(null, message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public JsonPatchException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>The zero-based index of the failing operation; <see langword="null"/> when the patch as a whole is malformed.</summary>
    public int? OperationIndex { get; }

    /// <summary>The reason without the operation prefix.</summary>
    public string Reason { get; }
}
