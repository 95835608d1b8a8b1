using System.Globalization;
using System.Text;

namespace BuildFarm.Dockerfile.Expansion.Internal;

/// <summary>
/// Quotes a string the way Go's <c>%q</c> does, so that error messages read exactly as
/// BuildKit's (<c>failed to process "a\"b"</c>).
/// </summary>
internal static class GoStringQuoting
{
    public static string Quote(string text)
    {
        var quoted = new StringBuilder(text.Length + 2).Append('"');
        for (var index = 0; index < text.Length;)
        {
            var codePoint = CodePoints.At(text, index, out var width);
            index += width;
            AppendQuoted(quoted, codePoint);
        }

        return quoted.Append('"').ToString();
    }

    private static void AppendQuoted(StringBuilder quoted, int codePoint)
    {
        switch (codePoint)
        {
            case '"' or '\\':
                quoted.Append('\\').Append((char)codePoint);
                return;
            case '\a': quoted.Append(@"\a"); return;
            case '\b': quoted.Append(@"\b"); return;
            case '\f': quoted.Append(@"\f"); return;
            case '\n': quoted.Append(@"\n"); return;
            case '\r': quoted.Append(@"\r"); return;
            case '\t': quoted.Append(@"\t"); return;
            case '\v': quoted.Append(@"\v"); return;
        }

        if (IsPrintable(codePoint))
        {
            CodePoints.Append(quoted, codePoint);
        }
        else if (codePoint < ' ' || codePoint == 0x7F)
        {
            quoted.Append(CultureInfo.InvariantCulture, $@"\x{codePoint:x2}");
        }
        else if (codePoint <= 0xFFFF)
        {
            quoted.Append(CultureInfo.InvariantCulture, $@"\u{codePoint:x4}");
        }
        else
        {
            quoted.Append(CultureInfo.InvariantCulture, $@"\U{codePoint:x8}");
        }
    }

    // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    private static bool IsPrintable(int codePoint)
    {
        if (codePoint == ' ')
        {
            return true;
        }

        return !CodePoints.IsSurrogate(codePoint) && CharUnicodeInfo.GetUnicodeCategory(codePoint) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
                or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation
                or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => true,
            _ => false,
        };
    }
}
