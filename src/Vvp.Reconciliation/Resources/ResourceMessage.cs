namespace Vvp.Reconciliation.Resources;

/// <summary>An error or warning about a document, located by a JSON Pointer into it.</summary>
/// <param name="Path">The JSON Pointer (RFC 6901) of the offending value; <c>""</c> is the whole document.</param>
/// <param name="Message">What is wrong, for a person.</param>
public sealed record ResourceMessage(string Path, string Message)
{
    /// <summary>
    /// What kind of message this is, for programs: for a plan's warnings one of <see cref="Planning.PlanWarnings"/>
    /// (also the reason of the event a reconciler reports); <see langword="null"/> where no code applies.
    /// </summary>
    public string? Code { get; init; }

    /// <summary>The message as <c>path: message</c> (the path <c>/</c> standing for the whole document).</summary>
    /// <returns>The formatted message.</returns>
    public override string ToString() => $"{(Path.Length == 0 ? "/" : Path)}: {Message}";
}
