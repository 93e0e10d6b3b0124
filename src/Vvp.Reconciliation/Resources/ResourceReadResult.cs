using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Resources;

/// <summary>The outcome of reading one YAML or JSON document: the tree, or the errors that stopped it.</summary>
public sealed class ResourceReadResult
{
    private ResourceReadResult(JsonNode? document, IReadOnlyList<ResourceMessage> errors, bool isSuccess)
    {
        Document = document;
        Errors = errors;
        IsSuccess = isSuccess;
    }

    /// <summary>The document read; <see langword="null"/> on failure (or for a document that is the literal <c>null</c>).</summary>
    public JsonNode? Document { get; }

    /// <summary>Why reading failed; empty on success.</summary>
    public IReadOnlyList<ResourceMessage> Errors { get; }

    /// <summary>True when the text was read.</summary>
    [MemberNotNullWhen(false, nameof(Errors))]
    public bool IsSuccess { get; }

    /// <summary>A successful read.</summary>
    /// <param name="document">The tree.</param>
    /// <returns>The result.</returns>
    public static ResourceReadResult Success(JsonNode? document) => new(document, [], true);

    /// <summary>A failed read.</summary>
    /// <param name="errors">At least one error.</param>
    /// <returns>The result.</returns>
    public static ResourceReadResult Failure(params ResourceMessage[] errors) => new(null, errors, false);
}
