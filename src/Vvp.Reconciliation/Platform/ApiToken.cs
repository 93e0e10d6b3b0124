using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vvp.Reconciliation.Platform;

/// <summary>
/// A Ververica Platform API token. It never shows itself: <see cref="ToString"/>, logging and JSON
/// serialisation all print <c>***</c>. Only a transport reads it, through <see cref="Reveal"/>.
/// </summary>
[JsonConverter(typeof(RedactingConverter))]
public sealed class ApiToken : IEquatable<ApiToken>
{
    private const string Redacted = "***";
    private readonly string _value;

    private ApiToken(string value)
    {
        _value = value;
    }

    /// <summary>
    /// Makes a token from text as stored: surrounding white space and a trailing newline (which
    /// <c>kubectl create secret --from-file</c> keeps) are trimmed.
    /// </summary>
    /// <param name="text">The token text.</param>
    /// <returns>The token, or <see langword="null"/> when nothing is left after trimming.</returns>
    /// <exception cref="FormatException">A control character (CR, LF, NUL, …) is left inside the trimmed token: it could split a header, so it is never sent.</exception>
    public static ApiToken? From(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        var control = trimmed.AsSpan().IndexOfAnyInRange('\u0000', '\u001F');
        if (control >= 0 || trimmed.Contains('\u007F', StringComparison.Ordinal))
        {
            // The message names the position and the character's kind, never the token itself.
            throw new FormatException($"The API token holds a control character inside it (at position {(control >= 0 ? control : trimmed.IndexOf('\u007F', StringComparison.Ordinal)) + 1} of {trimmed.Length}, e.g. a CR, LF or NUL); it is refused and never sent.");
        }

        return new ApiToken(trimmed);
    }

    /// <summary>Makes a token from the bytes of a Kubernetes Secret value (UTF-8), trimmed as <see cref="From(string?)"/>.</summary>
    /// <param name="utf8">The secret's bytes.</param>
    /// <returns>The token, or <see langword="null"/> when empty.</returns>
    /// <exception cref="FormatException">A control character is left inside the trimmed token.</exception>
    public static ApiToken? FromBytes(ReadOnlySpan<byte> utf8) => From(System.Text.Encoding.UTF8.GetString(utf8));

    /// <summary>The token text, for the transport that sends it (an <c>Authorization: Bearer</c> header). Never log it.</summary>
    /// <returns>The secret text.</returns>
    public string Reveal() => _value;

    /// <summary>Always <c>***</c>.</summary>
    /// <returns><c>***</c>.</returns>
    public override string ToString() => Redacted;

    /// <inheritdoc />
    public bool Equals(ApiToken? other) => other is not null && string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ApiToken);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_value);

    private sealed class RedactingConverter : JsonConverter<ApiToken>
    {
        public override ApiToken? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new JsonException("API tokens are never read from JSON.");

        public override void Write(Utf8JsonWriter writer, ApiToken value, JsonSerializerOptions options) => writer.WriteStringValue(Redacted);
    }
}
