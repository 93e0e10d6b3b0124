using System.Text;

namespace Vvp.Reconciliation.Platform;

/// <summary>
/// Masks a secret in text from outside, whole or in part, in every form that gives it back trivially: as it is, in
/// another case, base64-encoded (standard or URL-safe, at any byte alignment) and URL-encoded. Any run of
/// <see cref="MinimumFragment"/> or more characters of one of those forms is masked; a shorter secret is masked
/// wherever one of its forms appears whole.
/// </summary>
internal static class SecretMask
{
    /// <summary>The shortest run of a secret's characters that is masked on its own.</summary>
    public const int MinimumFragment = 8;

    private const string Mask = "***";

    /// <summary>Masks <paramref name="secret"/> in <paramref name="text"/>.</summary>
    /// <param name="text">The text.</param>
    /// <param name="secret">The secret.</param>
    /// <returns>The text with every run of the secret's forms replaced by <c>***</c>.</returns>
    public static string Apply(string text, string secret)
    {
        if (string.IsNullOrEmpty(text) || string.IsNullOrEmpty(secret))
        {
            return text;
        }

        var lowered = text.ToLowerInvariant();
        var masked = new bool[text.Length];
        var any = false;
        foreach (var form in Forms(secret))
        {
            any |= form.Length < MinimumFragment ? MarkWhole(lowered, form, masked) : MarkFragments(lowered, form, masked);
        }

        if (!any)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (!masked[i])
            {
                builder.Append(text[i]);
            }
            else if (i == 0 || !masked[i - 1])
            {
                builder.Append(Mask);
            }
        }

        return builder.ToString();
    }

    // Every form, lower-cased (the comparison is case-insensitive): the secret, its URL encodings, and the base64 of
    // the secret's bytes from each of the first three offsets, so a fragment of any alignment is found.
    private static HashSet<string> Forms(string secret)
    {
        var forms = new HashSet<string>(StringComparer.Ordinal) { secret.ToLowerInvariant() };
        forms.Add(Uri.EscapeDataString(secret).ToLowerInvariant());
        forms.Add(System.Net.WebUtility.UrlEncode(secret).ToLowerInvariant());
        var bytes = Encoding.UTF8.GetBytes(secret);
        for (var offset = 0; offset < Math.Min(3, bytes.Length); offset++)
        {
            var base64 = Convert.ToBase64String(bytes, offset, bytes.Length - offset).TrimEnd('=');
            // The last character or two of an unpadded tail depend on bytes that may follow; leave them out.
            var stable = base64[..Math.Max(0, base64.Length - ((bytes.Length - offset) % 3 == 0 ? 0 : 1))];
            if (stable.Length > 0)
            {
                forms.Add(stable.ToLowerInvariant());
                forms.Add(stable.Replace('+', '-').Replace('/', '_').ToLowerInvariant());
            }
        }

        forms.Remove(string.Empty);
        return forms;
    }

    private static bool MarkWhole(string text, string form, bool[] masked)
    {
        var found = false;
        for (var at = text.IndexOf(form, StringComparison.Ordinal); at >= 0; at = text.IndexOf(form, at + 1, StringComparison.Ordinal))
        {
            Array.Fill(masked, true, at, form.Length);
            found = true;
        }

        return found;
    }

    // Every window of MinimumFragment characters of the text that is also one of the form's is masked; overlapping
    // windows join into one run, so a longer echo is masked whole.
    private static bool MarkFragments(string text, string form, bool[] masked)
    {
        if (text.Length < MinimumFragment)
        {
            return false;
        }

        var windows = new HashSet<(ulong, ulong)>();
        for (var i = 0; i + MinimumFragment <= form.Length; i++)
        {
            windows.Add(Window(form, i));
        }

        var found = false;
        for (var i = 0; i + MinimumFragment <= text.Length; i++)
        {
            if (windows.Contains(Window(text, i)))
            {
                Array.Fill(masked, true, i, MinimumFragment);
                found = true;
            }
        }

        return found;
    }

    // Eight UTF-16 characters packed exactly into two 64-bit halves: a set key without a string per window.
    private static (ulong, ulong) Window(string text, int at) =>
        (Pack(text, at), Pack(text, at + 4));

    private static ulong Pack(string text, int at) =>
        text[at] | ((ulong)text[at + 1] << 16) | ((ulong)text[at + 2] << 32) | ((ulong)text[at + 3] << 48);
}
