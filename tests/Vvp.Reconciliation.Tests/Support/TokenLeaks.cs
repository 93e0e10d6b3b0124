using System.Text;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>
/// Finds a token in output, whole or in part, in the forms SEMANTICS §13 names: any run of 8 or more of its
/// characters, in any case, and in its base64 and URL encodings. Written independently of the masker it checks.
/// </summary>
internal static class TokenLeaks
{
    public static List<string> Fragments(string output, string token, int minimum = 8)
    {
        var found = new List<string>();
        var forms = new List<string> { token, Uri.EscapeDataString(token) };
        var bytes = Encoding.UTF8.GetBytes(token);
        for (var offset = 0; offset < 3 && offset < bytes.Length; offset++)
        {
            var encoded = Convert.ToBase64String(bytes[offset..]);
            // Only the characters fixed by whole groups of three bytes: the tail depends on what follows.
            forms.Add(encoded[..((bytes.Length - offset) / 3 * 4)]);
        }

        foreach (var form in forms)
        {
            for (var start = 0; start + minimum <= form.Length; start++)
            {
                var piece = form.Substring(start, minimum);
                if (output.Contains(piece, StringComparison.OrdinalIgnoreCase))
                {
                    found.Add(piece);
                }
            }
        }

        return found;
    }
}
