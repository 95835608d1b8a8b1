using System.Text;

namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>
/// The slice of BuildKit's shell lexer (<c>shell.Lex.ProcessWords</c>) that heredoc detection
/// runs: escape character <c>\</c> whatever the Dockerfile's escape directive says, an empty
/// environment with unset variables left as written (<c>SkipUnsetEnv</c>), optionally keeping
/// quotes and escapes in the words (<c>RawQuotes</c>, <c>RawEscapes</c>). It reproduces the lexer's
/// quirks that decide what counts as a heredoc word, among them that a <c>${...}</c> expansion
/// restarts the word being built (the Go lexer shares one word buffer between nesting levels).
/// </summary>
internal sealed class HeredocWordLexer
{
    private const int EndOfText = -1;
    private const char Escape = '\\';

    // Expansions nest (${a:-${b:-...}}); deeper than this is treated as a lexing error rather
    // than risking the stack. Real Dockerfiles nest a few levels at most.
    private const int MaxNesting = 100;

    private readonly string _text;
    private readonly bool _rawQuotes;
    private readonly StringBuilder _wordBuffer = new();
    private bool _rawEscapes;
    private int _pos;
    private int _nesting;

    private HeredocWordLexer(string text, bool rawQuotes, bool rawEscapes)
    {
        _text = text;
        _rawQuotes = rawQuotes;
        _rawEscapes = rawEscapes;
        // Go's text/scanner skips a byte order mark at the start.
        _pos = text.StartsWith('\uFEFF') ? 1 : 0;
    }

    /// <summary>Splits <paramref name="text"/> into shell words.</summary>
    /// <exception cref="InstructionSyntaxException">The text does not lex (an open quote, a bad <c>${}</c>).</exception>
    public static List<string> ProcessWords(string text, bool rawQuotes, bool rawEscapes)
    {
        var lexer = new HeredocWordLexer(text, rawQuotes, rawEscapes);
        try
        {
            return lexer.ProcessUntil(EndOfText, rawEscapes).Words;
        }
        catch (InstructionSyntaxException e)
        {
            throw new InstructionSyntaxException($"failed to process {GoQuote.Quote(text)}: {e.Message}");
        }
    }

    private int Peek()
    {
        if (_pos >= _text.Length)
        {
            return EndOfText;
        }
        return char.IsSurrogatePair(_text, _pos) ? char.ConvertToUtf32(_text, _pos) : _text[_pos];
    }

    private int Next()
    {
        var rune = Peek();
        if (rune != EndOfText)
        {
            _pos += rune > 0xffff ? 2 : 1;
        }
        return rune;
    }

    private (string Result, List<string> Words) ProcessUntil(int stop, bool rawEscapes)
    {
        if (++_nesting > MaxNesting)
        {
            throw new InstructionSyntaxException("expansions nested too deeply");
        }
        var previousRawEscapes = _rawEscapes;
        _rawEscapes = rawEscapes;
        try
        {
            var result = new StringBuilder();
            _wordBuffer.Clear();
            var words = new Words(_wordBuffer);
            while (Peek() != EndOfText)
            {
                var ch = Peek();
                if (stop != EndOfText && ch == stop)
                {
                    Next();
                    return (result.ToString(), words.Finish());
                }
                switch (ch)
                {
                    case '$':
                        var expanded = ProcessDollar();
                        result.Append(expanded);
                        words.AddText(expanded);
                        continue;
                    case '<':
                    case '\'':
                    case '"':
                        var raw = ch switch
                        {
                            '<' => ProcessPossibleHeredoc(),
                            '\'' => ProcessSingleQuote(),
                            _ => ProcessDoubleQuote(),
                        };
                        result.Append(raw);
                        words.AddRaw(raw);
                        continue;
                }
                ch = Next();
                if (ch == Escape)
                {
                    if (_rawEscapes)
                    {
                        words.AddRawRune(ch);
                        AppendRune(result, ch);
                    }
                    ch = Next();
                    if (ch == EndOfText)
                    {
                        break;
                    }
                    words.AddRawRune(ch);
                }
                else
                {
                    words.AddRune(ch);
                }
                AppendRune(result, ch);
            }
            if (stop != EndOfText)
            {
                throw new InstructionSyntaxException(
                    $"unexpected end of statement while looking for matching {char.ConvertFromUtf32(stop)}");
            }
            return (result.ToString(), words.Finish());
        }
        finally
        {
            _rawEscapes = previousRawEscapes;
            _nesting--;
        }
    }

    private string ProcessSingleQuote()
    {
        var result = new StringBuilder();
        var ch = Next();
        if (_rawQuotes)
        {
            AppendRune(result, ch);
        }
        while (true)
        {
            ch = Next();
            if (ch == EndOfText)
            {
                throw new InstructionSyntaxException("unexpected end of statement while looking for matching single-quote");
            }
            if (ch == '\'')
            {
                if (_rawQuotes)
                {
                    AppendRune(result, ch);
                }
                return result.ToString();
            }
            AppendRune(result, ch);
        }
    }

    private string ProcessDoubleQuote()
    {
        var result = new StringBuilder();
        var ch = Next();
        if (_rawQuotes)
        {
            AppendRune(result, ch);
        }
        while (true)
        {
            switch (Peek())
            {
                case EndOfText:
                    throw new InstructionSyntaxException("unexpected end of statement while looking for matching double-quote");
                case '"':
                    ch = Next();
                    if (_rawQuotes)
                    {
                        AppendRune(result, ch);
                    }
                    return result.ToString();
                case '$':
                    result.Append(ProcessDollar());
                    continue;
            }
            ch = Next();
            if (ch == Escape)
            {
                if (_rawEscapes)
                {
                    AppendRune(result, ch);
                }
                var following = Peek();
                if (following == EndOfText)
                {
                    continue;
                }
                if (following is '"' or '$' or Escape)
                {
                    ch = Next();
                }
            }
            AppendRune(result, ch);
        }
    }

    /// <summary>With no variable ever set, an expansion comes back as written (after lexing its word).</summary>
    private string ProcessDollar()
    {
        Next();
        if (Peek() != '{')
        {
            return "$" + ProcessName();
        }
        Next();
        var afterBrace = Peek();
        if (afterBrace == EndOfText)
        {
            throw new InstructionSyntaxException("syntax error: missing '}'");
        }
        if (afterBrace is '{' or '}' or ':')
        {
            throw new InstructionSyntaxException("syntax error: bad substitution");
        }
        var name = ProcessName();
        var ch = Next();
        var modifier = RuneText(ch);
        var nullIsUnset = false;
        switch (ch)
        {
            case '}':
                return "${" + name + "}";
            case ':':
                nullIsUnset = true;
                ch = Next();
                modifier += RuneText(ch);
                return ExpandWithWord(name, modifier, ch, nullIsUnset);
            case '+' or '-' or '?' or '#' or '%':
                return ExpandWithWord(name, modifier, ch, nullIsUnset);
            case '/':
                if (Peek() == '/')
                {
                    // ${name//pattern/replacement}: the second '/' is not put back, as in BuildKit.
                    Next();
                }
                var pattern = ProcessWordUntil('/', rawEscapes: true, "syntax error: missing '/' in ${}");
                var replacement = ProcessWordUntil('}', rawEscapes: true, "syntax error: missing '}'");
                return "${" + name + "/" + pattern + "/" + replacement + "}";
            default:
                throw new InstructionSyntaxException($"unsupported modifier ({modifier}) in substitution");
        }
    }

    private string ExpandWithWord(string name, string modifier, int ch, bool nullIsUnset)
    {
        var rawEscapes = ch is '#' or '%';
        if (nullIsUnset && rawEscapes)
        {
            throw new InstructionSyntaxException($"unsupported modifier ({modifier}) in substitution");
        }
        var word = ProcessWordUntil('}', rawEscapes, "syntax error: missing '}'");
        return "${" + name + modifier + word + "}";
    }

    private string ProcessWordUntil(char stop, bool rawEscapes, string messageAtEnd)
    {
        try
        {
            return ProcessUntil(stop, rawEscapes).Result;
        }
        catch (InstructionSyntaxException) when (Peek() == EndOfText)
        {
            throw new InstructionSyntaxException(messageAtEnd);
        }
    }

    private string ProcessName()
    {
        var name = new StringBuilder();
        while (Peek() != EndOfText)
        {
            var ch = Peek();
            if (name.Length == 0 && IsDigit(ch))
            {
                while (Peek() != EndOfText && IsDigit(Peek()))
                {
                    AppendRune(name, Next());
                }
                return name.ToString();
            }
            if (name.Length == 0 && ch is '@' or '*' or '#' or '?' or '-' or '$' or '!' or '0')
            {
                Next();
                return RuneText(ch);
            }
            if (!IsLetter(ch) && !IsDigit(ch) && ch != '_')
            {
                break;
            }
            AppendRune(name, Next());
        }
        return name.ToString();
    }

    private string ProcessPossibleHeredoc()
    {
        Next();
        if (Peek() != '<')
        {
            return "<";
        }
        Next();
        var result = new StringBuilder("<<");
        while (Peek() is '\t' or '\r' or ' ')
        {
            AppendRune(result, Next());
        }
        return result.ToString();
    }

    private static bool IsDigit(int rune) => Rune.IsValid(rune) && Rune.IsDigit(new Rune(rune));

    private static bool IsLetter(int rune) => Rune.IsValid(rune) && Rune.IsLetter(new Rune(rune));

    private static bool IsSpace(int rune) => Rune.IsValid(rune) && Rune.IsWhiteSpace(new Rune(rune));

    /// <summary>Go's <c>string(rune)</c>: the end-of-text marker -1 becomes U+FFFD.</summary>
    private static string RuneText(int rune) => Rune.IsValid(rune) ? char.ConvertFromUtf32(rune) : "\uFFFD";

    private static void AppendRune(StringBuilder builder, int rune) => builder.Append(RuneText(rune));

    /// <summary>The lexer's word splitter; the buffer is shared with nested expansions, as in Go.</summary>
    private sealed class Words(StringBuilder buffer)
    {
        private readonly List<string> _words = [];
        private bool _inWord;

        public void AddRune(int rune)
        {
            if (!IsSpace(rune))
            {
                AddRawRune(rune);
            }
            else if (_inWord && buffer.Length != 0)
            {
                _words.Add(buffer.ToString());
                buffer.Clear();
                _inWord = false;
            }
        }

        public void AddRawRune(int rune)
        {
            AppendRune(buffer, rune);
            _inWord = true;
        }

        public void AddText(string text)
        {
            foreach (var rune in text.EnumerateRunes())
            {
                AddRune(rune.Value);
            }
        }

        public void AddRaw(string text)
        {
            buffer.Append(text);
            _inWord = true;
        }

        public List<string> Finish()
        {
            if (buffer.Length > 0)
            {
                _words.Add(buffer.ToString());
                buffer.Clear();
                _inWord = false;
            }
            return _words;
        }
    }
}
