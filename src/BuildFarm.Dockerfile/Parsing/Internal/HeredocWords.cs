namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>
/// Finds the heredocs an instruction line opens (<c>&lt;&lt;EOF</c>, <c>&lt;&lt;-EOF</c>,
/// <c>3&lt;&lt;"EOF"</c>, ...), as BuildKit's <c>heredocsFromLine</c> and <c>ParseHeredoc</c> do.
/// </summary>
internal static class HeredocWords
{
    /// <summary>The heredocs opened on <paramref name="line"/>, in order, with empty bodies.</summary>
    /// <exception cref="InstructionSyntaxException">A heredoc word does not lex.</exception>
    public static List<Heredoc> FromLine(string line)
    {
        List<string> words;
        try
        {
            words = HeredocWordLexer.ProcessWords(line, rawQuotes: true, rawEscapes: true);
        }
        catch (InstructionSyntaxException)
        {
            // BuildKit ignores a line that does not lex: it opens no heredoc.
            return [];
        }
        var heredocs = new List<Heredoc>();
        foreach (var word in words)
        {
            if (Parse(word) is { } heredoc)
            {
                heredocs.Add(heredoc);
            }
        }
        return heredocs;
    }

    /// <summary>
    /// A heredoc from one word, matched against BuildKit's <c>^(\d*)&lt;&lt;(-?)\s*([^&lt;]*)$</c>;
    /// null when the word opens none. The delimiter is the word with quotes removed; any quote
    /// in it means the body is not expanded.
    /// </summary>
    /// <exception cref="InstructionSyntaxException">The delimiter does not lex.</exception>
    public static Heredoc? Parse(string word)
    {
        var pos = 0;
        while (pos < word.Length && char.IsAsciiDigit(word[pos]))
        {
            pos++;
        }
        if (!word.AsSpan(pos).StartsWith("<<", StringComparison.Ordinal))
        {
            return null;
        }
        pos += 2;
        var chomp = pos < word.Length && word[pos] == '-';
        if (chomp)
        {
            pos++;
        }
        while (pos < word.Length && word[pos] is ' ' or '\t' or '\n' or '\f' or '\r')
        {
            pos++;
        }
        var rest = word[pos..];
        if (rest.Length == 0 || rest.Contains('<', StringComparison.Ordinal))
        {
            return null;
        }

        var names = HeredocWordLexer.ProcessWords(rest, rawQuotes: false, rawEscapes: false);
        if (names.Count != 1)
        {
            return null;
        }
        var rawNames = HeredocWordLexer.ProcessWords(rest, rawQuotes: true, rawEscapes: false);
        if (rawNames.Count != names.Count)
        {
            throw new InstructionSyntaxException($"internal lexing of heredoc produced inconsistent results: {rest}");
        }
        var expand = CountQuotes(names[0]) == CountQuotes(rawNames[0]);
        return new Heredoc(names[0], Content: "", expand, chomp);
    }

    private static int CountQuotes(string text) => text.Count(c => c is '\'' or '"');
}
