namespace Vvp.Reconciliation.Resources;

/// <summary>The outcome of validating a CR: every error at once, each with a JSON Pointer into the CR.</summary>
/// <param name="Errors">The errors, ordered by path; empty when the CR is valid.</param>
public sealed record ValidationResult(IReadOnlyList<ResourceMessage> Errors)
{
    /// <summary>A result without errors.</summary>
    public static ValidationResult Valid { get; } = new([]);

    /// <summary>True when there are no errors.</summary>
    public bool IsValid => Errors.Count == 0;
}
