using System.Text;

namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>
/// Splits an instruction line into its command word, its <c>--flag</c> words and the rest, as
/// BuildKit's <c>splitCommand</c> does.
/// </summary>
internal static class CommandSplitter
{
    /// <summary>BuildKit's <c>[\t\v\f\r ]+</c>, the white space between an instruction's words.</summary>
    public const string Blanks = "\t\v\f\r ";

    private static readonly Encoding Utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static (string Command, IReadOnlyList<string> Flags, string Arguments) Split(string line, char escapeToken)
    {
        var parts = SplitOnBlanks(line.Trim(), 2);
        if (parts.Count == 1)
        {
            return (parts[0], [], "");
        }
        var (arguments, flags) = ExtractFlags(parts[1], escapeToken);
        return (parts[0], flags, arguments.Trim());
    }

    /// <summary>Go's <c>regexp.Split(text, limit)</c> on BuildKit's <c>[\t\v\f\r ]+</c>.</summary>
    public static List<string> SplitOnBlanks(string text, int limit)
    {
        var parts = new List<string>();
        var start = 0;
        while (parts.Count < limit - 1)
        {
            var gap = text.AsSpan(start).IndexOfAny(Blanks);
            if (gap < 0)
            {
                break;
            }
            var gapEnd = start + gap;
            while (gapEnd < text.Length && Blanks.Contains(text[gapEnd], StringComparison.Ordinal))
            {
                gapEnd++;
            }
            parts.Add(text[start..(start + gap)]);
            start = gapEnd;
        }
        parts.Add(text[start..]);
        return parts;
    }

    /// <summary>
    /// Takes the leading words that start with <c>--</c> (quotes removed, escapes applied) until
    /// the first other word or a bare <c>--</c>. BuildKit walks this part byte by byte, so a
    /// non-ASCII flag comes out with each UTF-8 byte as its own Latin-1 character, and the bytes
    /// 0x85 and 0xA0 count as white space; both are reproduced here because the flags reach the
    /// build (<c>--chown</c>, <c>--from</c>) exactly as BuildKit read them.
    /// </summary>
    private static (string Remainder, List<string> Flags) ExtractFlags(string text, char escapeToken)
    {
        // The text starts with a non-blank character, so without a leading "--" there are no flags.
        if (!text.StartsWith("--", StringComparison.Ordinal))
        {
            return (text, []);
        }
        var line = Utf8.GetBytes(text);
        var flags = new List<string>();
        var word = new StringBuilder();
        var phase = Phase.BetweenWords;
        byte quote = 0;
        var blankOk = false;
        for (var pos = 0; pos <= line.Length; pos++)
        {
            var atEnd = pos == line.Length;
            var ch = atEnd ? (byte)0 : line[pos];
            if (phase == Phase.BetweenWords)
            {
                if (atEnd)
                {
                    break;
                }
                if (IsSpace(ch))
                {
                    continue;
                }
                if (ch != '-' || pos + 1 == line.Length || line[pos + 1] != '-')
                {
                    return (Utf8.GetString(line, pos, line.Length - pos), flags);
                }
                phase = Phase.InWord;
            }
            if (atEnd)
            {
                var last = word.ToString();
                if (last != "--" && (blankOk || last.Length > 0))
                {
                    flags.Add(last);
                }
                break;
            }
            if (phase == Phase.InWord)
            {
                if (IsSpace(ch))
                {
                    var finished = word.ToString();
                    phase = Phase.BetweenWords;
                    if (finished == "--")
                    {
                        return (Utf8.GetString(line, pos, line.Length - pos), flags);
                    }
                    if (blankOk || finished.Length > 0)
                    {
                        flags.Add(finished);
                    }
                    word.Clear();
                    blankOk = false;
                    continue;
                }
                if (ch is (byte)'\'' or (byte)'"')
                {
                    quote = ch;
                    blankOk = true;
                    phase = Phase.InQuote;
                    continue;
                }
            }
            else if (ch == quote)
            {
                phase = Phase.InWord;
                continue;
            }
            if (ch == escapeToken)
            {
                if (pos + 1 == line.Length)
                {
                    // An escape at the very end is dropped (and closes an open quote).
                    phase = Phase.InWord;
                    continue;
                }
                ch = line[++pos];
            }
            word.Append((char)ch);
        }
        return ("", flags);
    }

    /// <summary>Go's <c>unicode.IsSpace</c> applied to a single byte, as BuildKit's flag scanner does.</summary>
    private static bool IsSpace(byte b) => b is (>= 0x09 and <= 0x0d) or 0x20 or 0x85 or 0xa0;

    private enum Phase
    {
        BetweenWords,
        InWord,
        InQuote,
    }
}
