using System.Globalization;
using System.Text;

namespace BuildFarm.Execution.Config.Internal;

/// <summary>
/// Go's <c>fmt</c> forms BuildKit uses in history lines; reproducing them byte for byte keeps our
/// image configs (and so their digests) equal to BuildKit's.
/// </summary>
internal static class GoFormat
{
    /// <summary><c>%v</c> of a <c>[]string</c>: <c>[a b c]</c>, elements unquoted.</summary>
    public static string List(IEnumerable<string> values) => "[" + string.Join(' ', values) + "]";

    /// <summary><c>%q</c> of a <c>[]string</c>: <c>["a" "b c"]</c>.</summary>
    public static string QuotedList(IEnumerable<string> values) => "[" + string.Join(' ', values.Select(Quote)) + "]";

    /// <summary><c>strconv.Quote</c>: Go escapes, printable Unicode kept as is.</summary>
    public static string Quote(string value)
    {
        var text = new StringBuilder("\"");
        foreach (var rune in value.EnumerateRunes())
        {
            switch (rune.Value)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\a': text.Append("\\a"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\v': text.Append("\\v"); break;
                case var c when c < 0x20 || c == 0x7f:
                    text.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
                    break;
                case var c when IsPrintable(rune):
                    text.Append(rune.ToString());
                    break;
                case var c when c < 0x10000:
                    text.Append("\\u").Append(c.ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append("\\U").Append(rune.Value.ToString("x8", CultureInfo.InvariantCulture));
                    break;
            }
        }

        return text.Append('"').ToString();
    }

    // Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    private static bool IsPrintable(Rune rune) => rune.Value == ' ' || Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
            or UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator => false,
        _ => true,
    };
}
