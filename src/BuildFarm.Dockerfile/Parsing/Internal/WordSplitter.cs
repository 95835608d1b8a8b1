using System.Text;

namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>
/// BuildKit's <c>parseWords</c>: splits on white space outside quotes, keeping quotes and escapes
/// in the words (they are removed later, when the words are expanded).
/// </summary>
internal static class WordSplitter
{
    public static List<string> Split(string text, char escapeToken)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var quote = '\0';
        var blankOk = false;
        for (var pos = 0; pos < text.Length; pos++)
        {
            var ch = text[pos];
            if (!inWord && quote == '\0')
            {
                if (char.IsWhiteSpace(ch))
                {
                    continue;
                }
                inWord = true;
            }
            if (quote == '\0')
            {
                if (char.IsWhiteSpace(ch))
                {
                    AddWord();
                    inWord = false;
                    continue;
                }
                if (ch is '\'' or '"')
                {
                    quote = ch;
                    blankOk = true;
                }
                else if (ch == escapeToken)
                {
                    if (pos + 1 == text.Length)
                    {
                        continue;
                    }
                    // Outside quotes an escape keeps itself and the character after it, even a quote.
                    word.Append(ch);
                    ch = text[++pos];
                }
                word.Append(ch);
                continue;
            }
            if (ch == quote)
            {
                quote = '\0';
            }
            else if (ch == escapeToken && quote != '\'')
            {
                if (pos + 1 == text.Length)
                {
                    quote = '\0';
                    continue;
                }
                word.Append(ch);
                ch = text[++pos];
            }
            word.Append(ch);
        }
        if (inWord)
        {
            AddWord();
        }
        return words;

        void AddWord()
        {
            if (blankOk || word.Length > 0)
            {
                words.Add(word.ToString());
            }
            word.Clear();
            blankOk = false;
        }
    }
}
