using System.Globalization;
using System.Numerics;
using System.Text;

namespace Vvp.Reconciliation.Json;

/// <summary>
/// Exact, arbitrary-precision normalisation of JSON number text, so that <c>1</c>, <c>1.0</c> and
/// <c>10e-1</c> share one form. No floating-point conversion is involved, so no precision is lost.
/// </summary>
internal static class JsonNumberText
{
    /// <summary>
    /// Returns the canonical form: an optional <c>-</c>, the significant digits without leading or
    /// trailing zeros, and <c>e</c> with a decimal exponent when it is not zero. Small non-negative
    /// exponents are written out as plain integers (<c>100</c>, not <c>1e2</c>). Zero is <c>0</c>.
    /// </summary>
    public static string Canonicalize(ReadOnlySpan<char> text)
    {
        var i = 0;
        var negative = false;
        if (i < text.Length && text[i] == '-')
        {
            negative = true;
            i++;
        }

        var digits = new StringBuilder(text.Length);
        var intStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        digits.Append(text[intStart..i]);
        long fractionLength = 0;
        if (i < text.Length && text[i] == '.')
        {
            i++;
            var fracStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            digits.Append(text[fracStart..i]);
            fractionLength = i - fracStart;
        }

        BigInteger exponent = 0;
        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            i++;
            exponent = BigInteger.Parse(text[i..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        else if (i != text.Length)
        {
            throw new FormatException($"'{text.ToString()}' is not a JSON number.");
        }

        exponent -= fractionLength;
        var start = 0;
        while (start < digits.Length && digits[start] == '0')
        {
            start++;
        }

        var end = digits.Length;
        while (end > start && digits[end - 1] == '0')
        {
            end--;
            exponent++;
        }

        if (start == end)
        {
            return "0";
        }

        var significant = digits.ToString(start, end - start);
        var sign = negative ? "-" : string.Empty;
        if (exponent.IsZero)
        {
            return sign + significant;
        }

        if (exponent.Sign > 0 && exponent + significant.Length <= 21)
        {
            return sign + significant + new string('0', (int)exponent);
        }

        return sign + significant + "e" + exponent.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>True when the two number texts denote the same mathematical value.</summary>
    public static bool AreEqual(string a, string b) =>
        string.Equals(a, b, StringComparison.Ordinal) ||
        string.Equals(Canonicalize(a), Canonicalize(b), StringComparison.Ordinal);
}
