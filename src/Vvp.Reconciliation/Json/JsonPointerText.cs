using System.Text;

namespace Vvp.Reconciliation.Json;

/// <summary>RFC 6901 JSON Pointer text: parsing into reference tokens and escaping them back.</summary>
internal static class JsonPointerText
{
    /// <summary>Splits a pointer into unescaped reference tokens; <c>""</c> is the whole document.</summary>
    /// <returns><see langword="false"/> when the text is not a JSON Pointer.</returns>
    public static bool TryParse(string pointer, out string[] tokens)
    {
        tokens = [];
        if (pointer.Length == 0)
        {
            return true;
        }

        if (pointer[0] != '/')
        {
            return false;
        }

        var parts = pointer[1..].Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (!part.Contains('~', StringComparison.Ordinal))
            {
                continue;
            }

            var builder = new StringBuilder(part.Length);
            for (var j = 0; j < part.Length; j++)
            {
                if (part[j] != '~')
                {
                    builder.Append(part[j]);
                    continue;
                }

                if (j + 1 >= part.Length || (part[j + 1] != '0' && part[j + 1] != '1'))
                {
                    return false;
                }

                builder.Append(part[j + 1] == '0' ? '~' : '/');
                j++;
            }

            parts[i] = builder.ToString();
        }

        tokens = parts;
        return true;
    }

    /// <summary>Escapes one reference token (<c>~</c> → <c>~0</c>, <c>/</c> → <c>~1</c>).</summary>
    public static string Escape(string token) =>
        token.AsSpan().IndexOfAny('~', '/') < 0 ? token : token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    /// <summary>Builds a pointer from unescaped tokens.</summary>
    public static string Build(IEnumerable<string> tokens)
    {
        var builder = new StringBuilder();
        foreach (var token in tokens)
        {
            builder.Append('/').Append(Escape(token));
        }

        return builder.ToString();
    }

    /// <summary>Parses an array index token: <c>0</c> or digits without a leading zero.</summary>
    public static bool TryParseIndex(string token, out int index)
    {
        index = -1;
        if (token.Length == 0 || (token.Length > 1 && token[0] == '0'))
        {
            return false;
        }

        foreach (var c in token)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        if (!int.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
        {
            index = int.MaxValue;
        }

        return true;
    }
}
