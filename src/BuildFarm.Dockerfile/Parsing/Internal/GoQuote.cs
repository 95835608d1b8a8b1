using System.Globalization;
using System.Text;

namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>
/// Go's <c>strconv.Quote</c>: the quoting BuildKit's parse-tree dump and its <c>%q</c> error
/// messages use, so that our output matches theirs byte for byte.
/// </summary>
internal static class GoQuote
{
    private const string HexDigits = "0123456789abcdef";

    public static string Quote(string value)
    {
        var builder = new StringBuilder(value.Length + 2);
        AppendQuoted(builder, value);
        return builder.ToString();
    }

    public static void AppendQuoted(StringBuilder builder, string value)
    {
        builder.Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            AppendEscaped(builder, rune);
        }
        builder.Append('"');
    }

    private static void AppendEscaped(StringBuilder builder, Rune rune)
    {
        var value = rune.Value;
        if (value is '"' or '\\')
        {
            builder.Append('\\').Append((char)value);
            return;
        }
        if (IsPrint(rune))
        {
            builder.Append(rune.ToString());
            return;
        }
        switch (value)
        {
            case '\a': builder.Append(@"\a"); return;
            case '\b': builder.Append(@"\b"); return;
            case '\f': builder.Append(@"\f"); return;
            case '\n': builder.Append(@"\n"); return;
            case '\r': builder.Append(@"\r"); return;
            case '\t': builder.Append(@"\t"); return;
            case '\v': builder.Append(@"\v"); return;
        }
        if (value < ' ' || value == 0x7f)
        {
            AppendHex(builder, @"\x", value, 2);
        }
        else if (value < 0x10000)
        {
            AppendHex(builder, @"\u", value, 4);
        }
        else
        {
            AppendHex(builder, @"\U", value, 8);
        }
    }

    private static void AppendHex(StringBuilder builder, string prefix, int value, int digits)
    {
        builder.Append(prefix);
        for (var shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        {
            builder.Append(HexDigits[(value >> shift) & 0xf]);
        }
    }

    /// <summary>Go's <c>strconv.IsPrint</c>: letters, marks, numbers, punctuation, symbols and the ASCII space.</summary>
    internal static bool IsPrint(Rune rune)
    {
        var value = rune.Value;
        if (value <= 0xff)
        {
            return value is >= 0x20 and <= 0x7e || (value >= 0xa1 && value != 0xad);
        }
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => true,
            UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark => true,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => true,
            UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation => true,
            UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => true,
            _ => false,
        };
    }
}
