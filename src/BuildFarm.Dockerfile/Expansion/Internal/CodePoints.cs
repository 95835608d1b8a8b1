using System.Globalization;
using System.Text;

namespace BuildFarm.Dockerfile.Expansion.Internal;

/// <summary>
/// Reads UTF-16 text one Unicode code point at a time, as BuildKit's Go lexer reads runes: a
/// surrogate pair is one character for names and for <c>?</c> in patterns. A lone surrogate
/// stands for itself, so any string goes through unchanged.
/// </summary>
internal static class CodePoints
{
    public static int At(string text, int index, out int width)
    {
        var high = text[index];
        if (char.IsHighSurrogate(high) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            width = 2;
            return char.ConvertToUtf32(high, text[index + 1]);
        }

        width = 1;
        return high;
    }

    public static void Append(StringBuilder builder, int codePoint)
    {
        if (codePoint <= 0xFFFF)
        {
            builder.Append((char)codePoint);
        }
        else
        {
            builder.Append(char.ConvertFromUtf32(codePoint));
        }
    }

    /// <summary>The code points of <paramref name="text"/>, with where each starts in it.</summary>
    public static int[] Decode(string text, out int[] charOffsets)
    {
        var codePoints = new List<int>(text.Length);
        var offsets = new List<int>(text.Length + 1);
        for (var index = 0; index < text.Length;)
        {
            offsets.Add(index);
            codePoints.Add(At(text, index, out var width));
            index += width;
        }

        offsets.Add(text.Length);
        charOffsets = [.. offsets];
        return [.. codePoints];
    }

    // Go's unicode.IsLetter / unicode.IsDigit, which decide what a variable name is.
    public static bool IsLetter(int codePoint) => !IsSurrogate(codePoint) && CharUnicodeInfo.GetUnicodeCategory(codePoint)
        is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter;

    public static bool IsDigit(int codePoint) =>
        !IsSurrogate(codePoint) && CharUnicodeInfo.GetUnicodeCategory(codePoint) == UnicodeCategory.DecimalDigitNumber;

    public static bool IsSurrogate(int codePoint) => codePoint is >= 0xD800 and <= 0xDFFF;
}
