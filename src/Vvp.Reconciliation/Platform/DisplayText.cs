using System.Text;

namespace Vvp.Reconciliation.Platform;

/// <summary>
/// Makes text from outside (platform messages, error bodies, names read from files) safe to show to people:
/// secrets masked first, then control characters and terminal escape sequences replaced, then shortened.
/// </summary>
public static class DisplayText
{
    /// <summary>The default longest text shown, in characters.</summary>
    public const int DefaultMaxLength = 300;

    /// <summary>Cleans <paramref name="text"/> for display.</summary>
    /// <param name="text">The text; <see langword="null"/> gives an empty string.</param>
    /// <param name="maxLength">The longest result (an ellipsis included).</param>
    /// <param name="secret">
    /// A secret to mask wherever it appears, whole or any run of 8 or more of its characters, in any case, base64- or
    /// URL-encoded; masked before anything is shortened, so no part of it survives.
    /// </param>
    /// <returns>One line of at most <paramref name="maxLength"/> characters.</returns>
    public static string Clean(string? text, int maxLength = DefaultMaxLength, ApiToken? secret = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        // Masking first: shortening first could leave a prefix of the token in the text.
        if (secret is not null)
        {
            text = SecretMask.Apply(text, secret.Reveal());
        }

        var builder = new StringBuilder(Math.Min(text.Length, maxLength + 1));
        var lastWasSpace = false;
        for (var i = 0; i < text.Length && builder.Length <= maxLength; i++)
        {
            var c = text[i];
            if (c == '\u001B')
            {
                // A terminal escape sequence (ESC [ … letter): dropped whole, not only its first character.
                i = SkipEscape(text, i);
                c = ' ';
            }
            else if (char.IsControl(c) || char.IsSurrogate(c) && !IsPairAt(text, i) || c is '\u2028' or '\u2029' or '\u202E' or '\u202D')
            {
                c = ' ';
            }
            else if (char.IsHighSurrogate(c))
            {
                builder.Append(c).Append(text[++i]);
                lastWasSpace = false;
                continue;
            }

            if (c == ' ' && (lastWasSpace || builder.Length == 0))
            {
                continue;
            }

            builder.Append(c);
            lastWasSpace = c == ' ';
        }

        var result = builder.ToString().TrimEnd();
        if (result.Length > maxLength)
        {
            var cut = maxLength - 1;
            if (char.IsLowSurrogate(result[cut]) || char.IsHighSurrogate(result[cut - 1]))
            {
                cut--;
            }

            result = result[..cut] + "…";
        }

        return result;
    }

    private static bool IsPairAt(string text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);

    private static int SkipEscape(string text, int i)
    {
        if (i + 1 < text.Length && text[i + 1] == '[')
        {
            var j = i + 2;
            while (j < text.Length && text[j] is >= '\u0030' and <= '\u003F' or >= '\u0020' and <= '\u002F')
            {
                j++;
            }

            return j < text.Length ? j : text.Length - 1;
        }

        return i;
    }
}
