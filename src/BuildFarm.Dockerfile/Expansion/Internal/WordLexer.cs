using System.Text;

namespace BuildFarm.Dockerfile.Expansion.Internal;

/// <summary>
/// Expands one word (or text, when words are wanted): BuildKit's shell lexer, read once from
/// left to right. Each <c>${name op word}</c> opens a segment that collects its operand and is
/// substituted into the enclosing segment when its closing character comes, so nesting depth
/// costs heap, not stack, and every input takes time linear in its length (plus pattern
/// matching). One instance per expansion.
/// </summary>
internal sealed class WordLexer
{
    private const int EndOfText = -1;

    private readonly ShellWordExpander _settings;
    private readonly string _text;
    private readonly IVariableLookup _variables;
    private readonly HashSet<string> _referenced = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unset = new(StringComparer.Ordinal);
    // The word itself at the bottom, then each open ${...} operand, innermost last.
    private readonly List<Segment> _segments = [];
    private int _position;

    public WordLexer(ShellWordExpander settings, string text, IVariableLookup variables)
    {
        _settings = settings;
        _text = text;
        _variables = variables;
    }

    public IReadOnlySet<string> Referenced => _referenced;

    public IReadOnlySet<string> Unset => _unset;

    /// <summary>Expands the text; with <paramref name="splitWords"/>, also cuts it into words.</summary>
    public (string Value, List<string>? Words) Run(bool splitWords)
    {
        var word = new Segment(EndOfText, _settings.RawEscapes, owner: null, splitWords ? new WordSplitter() : null);
        _segments.Add(word);
        try
        {
            while (_segments.Count > 1 || _position < _text.Length || word.InDoubleQuote)
            {
                Step(_segments[^1]);
            }
        }
        catch (ExpansionFailure failure)
        {
            throw new WordExpansionException(_text, ExplainAtEnd(failure.Message));
        }

        return (word.Value.ToString(), word.Words?.Finish());
    }

    // BuildKit reports any failure that leaves the text used up inside a ${...} as that
    // outermost ${...} missing its closing character: the message says where to look.
    private string ExplainAtEnd(string reason)
    {
        if (_position < _text.Length || _segments.Count < 2)
        {
            return reason;
        }

        return _segments[1].Stop == '/' ? "syntax error: missing '/' in ${}" : "syntax error: missing '}'";
    }

    private void Step(Segment segment)
    {
        if (segment.InDoubleQuote)
        {
            StepInDoubleQuote(segment);
            return;
        }

        var character = Peek();
        if (character == EndOfText)
        {
            throw new ExpansionFailure($"unexpected end of statement while looking for matching {(char)segment.Stop}");
        }

        if (character == segment.Stop)
        {
            _position++;
            CloseOperand();
            return;
        }

        switch (character)
        {
            case '$':
                ExpandDollar(segment);
                return;
            case '<':
                ReadPossibleHeredocMarker(segment);
                return;
            case '\'' when !_settings.SkipProcessQuotes:
                ReadSingleQuoted(segment);
                return;
            case '"' when !_settings.SkipProcessQuotes:
                _position++;
                segment.InDoubleQuote = true;
                if (_settings.RawQuotes)
                {
                    segment.AddRaw('"');
                }

                return;
        }

        _position++;
        if (character != _settings.EscapeToken)
        {
            segment.AddSplitting((char)character);
            return;
        }

        if (segment.RawEscapes)
        {
            segment.AddRaw((char)character);
        }

        // An escape at the very end escapes nothing and is dropped.
        if (_position < _text.Length)
        {
            segment.AddRaw(_text[_position++]);
        }
    }

    // Inside double quotes only $ expands, and the escape character quotes only ", $ and itself.
    private void StepInDoubleQuote(Segment segment)
    {
        var character = Peek();
        switch (character)
        {
            case EndOfText:
                throw new ExpansionFailure("unexpected end of statement while looking for matching double-quote");
            case '"':
                _position++;
                segment.InDoubleQuote = false;
                if (_settings.RawQuotes)
                {
                    segment.AddRaw('"');
                }

                return;
            case '$':
                ExpandDollar(segment);
                return;
        }

        _position++;
        if (character == _settings.EscapeToken)
        {
            if (segment.RawEscapes)
            {
                // BuildKit writes a raw escape here and, when it quotes nothing, writes it again.
                segment.AddRaw((char)character);
            }

            var next = Peek();
            if (next == EndOfText)
            {
                return;
            }

            if (next == '"' || next == '$' || next == _settings.EscapeToken)
            {
                character = next;
                _position++;
            }
        }

        segment.AddRaw((char)character);
    }

    private void ReadSingleQuoted(Segment segment)
    {
        var close = _text.IndexOf('\'', _position + 1);
        if (close < 0)
        {
            _position = _text.Length;
            throw new ExpansionFailure("unexpected end of statement while looking for matching single-quote");
        }

        var (start, end) = _settings.RawQuotes ? (_position, close + 1) : (_position + 1, close);
        segment.AddRaw(_text[start..end]);
        _position = close + 1;
    }

    // "<<" and the blanks after it stay with the heredoc word that follows, so that a split
    // line still shows "<< EOF" as one word.
    private void ReadPossibleHeredocMarker(Segment segment)
    {
        var start = _position++;
        if (Peek() == '<')
        {
            _position++;
            while (Peek() is ' ' or '\t' or '\r')
            {
                _position++;
            }
        }

        segment.AddRaw(_text[start.._position]);
    }

    private void ExpandDollar(Segment segment)
    {
        _position++;
        if (Peek() != '{')
        {
            var bareName = ReadName();
            if (bareName.Length == 0)
            {
                segment.AddExpanded("$");
            }
            else
            {
                segment.AddExpanded(Lookup(bareName, out var bareValue) || !_settings.SkipUnsetEnv ? bareValue : "$" + bareName);
            }

            return;
        }

        _position++;
        if (Peek() is EndOfText)
        {
            throw new ExpansionFailure("syntax error: missing '}'");
        }

        if (Peek() is '{' or '}' or ':')
        {
            throw new ExpansionFailure("syntax error: bad substitution");
        }

        var name = ReadName();
        var modifier = NextCodePoint();
        switch (modifier)
        {
            case '}':
                segment.AddExpanded(Lookup(name, out var value) || !_settings.SkipUnsetEnv ? value : "${" + name + "}");
                return;
            case ':':
                var afterColon = NextCodePoint();
                OpenOperand(new Substitution(name, afterColon, ModifierText(":", afterColon), NullIsUnset: true));
                return;
            case '+' or '-' or '?' or '#' or '%':
                OpenOperand(new Substitution(name, modifier, ModifierText("", modifier), NullIsUnset: false));
                return;
            case '/':
                var replaceAll = Peek() == '/';
                if (replaceAll)
                {
                    _position++;
                }

                _segments.Add(new Segment('/', rawEscapes: true, new Substitution(name, '/', "/", NullIsUnset: false, replaceAll)));
                return;
            case EndOfText:
                // BuildKit says "unsupported modifier (\uFFFD)" here; the brace is what is missing.
                throw new ExpansionFailure("syntax error: missing '}'");
            default:
                throw new ExpansionFailure($"unsupported modifier ({ModifierText("", modifier)}) in substitution");
        }
    }

    // Patterns (# and %) keep their escapes for the pattern reader; the other operands do not.
    private void OpenOperand(Substitution substitution)
    {
        var isPattern = substitution.Operator is '#' or '%';
        if (substitution.NullIsUnset && isPattern)
        {
            throw new ExpansionFailure($"unsupported modifier ({substitution.Text}) in substitution");
        }

        _segments.Add(new Segment('}', isPattern, substitution));
    }

    private void CloseOperand()
    {
        var operand = _segments[^1];
        _segments.RemoveAt(_segments.Count - 1);
        var substitution = operand.Owner!;
        var word = operand.Value.ToString();
        if (substitution.Operator == '/' && substitution.Pattern is null)
        {
            _segments.Add(new Segment('}', rawEscapes: true, substitution with { Pattern = word }));
            return;
        }

        _segments[^1].AddExpanded(Substitute(substitution, word));
    }

    private string Substitute(Substitution substitution, string word)
    {
        var name = substitution.Name;
        var isSet = Lookup(name, out var value);
        if (!isSet && _settings.SkipUnsetEnv)
        {
            // Left for a later expansion, as written except that the operand is expanded.
            return substitution.Operator == '/'
                ? "${" + name + "/" + substitution.Pattern + "/" + word + "}"
                : "${" + name + substitution.Text + word + "}";
        }

        var isEmptyAsUnset = !isSet || (substitution.NullIsUnset && value.Length == 0);
        switch (substitution.Operator)
        {
            case '-':
                return isEmptyAsUnset ? word : value;
            case '+':
                return isEmptyAsUnset ? "" : word;
            case '?':
                if (isEmptyAsUnset)
                {
                    var problem = isSet ? "is not allowed to be empty" : "is not allowed to be unset";
                    throw new ExpansionFailure($"{name}: {(word.Length == 0 ? problem : word)}");
                }

                return value;
            case '#' or '%':
                // A doubled operator (## or %%) asks for the longest match.
                var longest = word.Length > 0 && word[0] == substitution.Operator;
                var pattern = longest ? word[1..] : word;
                return substitution.Operator == '#'
                    ? PatternOperations.RemovePrefix(value, pattern, longest)
                    : PatternOperations.RemoveSuffix(value, pattern, longest);
            case '/':
                return PatternOperations.Replace(value, substitution.Pattern!, word, substitution.ReplaceAll);
            default:
                throw new ExpansionFailure($"unsupported modifier ({substitution.Text}) in substitution");
        }
    }

    // A name is letters, digits and _; or a run of digits (a positional parameter); or one of the
    // shell's special parameters. None of the latter two is ever set in a Dockerfile.
    private string ReadName()
    {
        var start = _position;
        if (_position >= _text.Length)
        {
            return "";
        }

        var first = CodePoints.At(_text, _position, out var width);
        if (CodePoints.IsDigit(first))
        {
            while (_position < _text.Length && CodePoints.IsDigit(CodePoints.At(_text, _position, out width)))
            {
                _position += width;
            }

            return _text[start.._position];
        }

        if (first is '@' or '*' or '#' or '?' or '-' or '$' or '!')
        {
            _position++;
            return _text[start.._position];
        }

        while (_position < _text.Length)
        {
            var codePoint = CodePoints.At(_text, _position, out width);
            if (!CodePoints.IsLetter(codePoint) && !CodePoints.IsDigit(codePoint) && codePoint != '_')
            {
                break;
            }

            _position += width;
        }

        return _text[start.._position];
    }

    private bool Lookup(string name, out string value)
    {
        _referenced.Add(name);
        if (_variables.TryGet(name, out value))
        {
            return true;
        }

        _unset.Add(name);
        value = "";
        return false;
    }

    private int Peek() => _position < _text.Length ? _text[_position] : EndOfText;

    private int NextCodePoint()
    {
        if (_position >= _text.Length)
        {
            return EndOfText;
        }

        var codePoint = CodePoints.At(_text, _position, out var width);
        _position += width;
        return codePoint;
    }

    // As BuildKit quotes the modifier in "unsupported modifier (...)"; Go shows end of text as U+FFFD.
    private static string ModifierText(string prefix, int modifier)
    {
        var text = new StringBuilder(prefix);
        CodePoints.Append(text, modifier == EndOfText ? '\uFFFD' : modifier);
        return text.ToString();
    }

    /// <summary>A <c>${name...}</c> waiting for its operand.</summary>
    /// <param name="Operator">The character after the name (after <c>:</c> for <c>:-</c> and the like).</param>
    /// <param name="Text">The modifier as written, e.g. <c>:-</c>.</param>
    /// <param name="NullIsUnset">The <c>:</c> forms, for which an empty value counts as unset.</param>
    /// <param name="ReplaceAll"><c>//</c> rather than <c>/</c>.</param>
    /// <param name="Pattern">For <c>/</c>, the pattern once read; the replacement comes next.</param>
    private sealed record Substitution(
        string Name, int Operator, string Text, bool NullIsUnset, bool ReplaceAll = false, string? Pattern = null);

    /// <summary>The word, or one operand of a <c>${...}</c>, being collected.</summary>
    private sealed class Segment(int stop, bool rawEscapes, Substitution? owner, WordSplitter? words = null)
    {
        /// <summary>The character that ends this operand; <see cref="EndOfText"/> for the word itself.</summary>
        public int Stop { get; } = stop;

        /// <summary>Keep escape characters in the result (pattern operands, RawEscapes).</summary>
        public bool RawEscapes { get; } = rawEscapes;

        public Substitution? Owner { get; } = owner;

        public StringBuilder Value { get; } = new();

        /// <summary>Only the word itself is split; operands are substituted whole.</summary>
        public WordSplitter? Words { get; } = words;

        public bool InDoubleQuote { get; set; }

        public void AddRaw(char character)
        {
            Value.Append(character);
            Words?.AddRaw(character);
        }

        public void AddRaw(string text)
        {
            Value.Append(text);
            Words?.AddRaw(text);
        }

        public void AddSplitting(char character)
        {
            Value.Append(character);
            Words?.AddSplitting(character);
        }

        /// <summary>An expansion's value splits into words unless it stands in double quotes.</summary>
        public void AddExpanded(string text)
        {
            Value.Append(text);
            if (InDoubleQuote)
            {
                Words?.AddRaw(text);
            }
            else
            {
                Words?.AddSplitting(text);
            }
        }
    }
}
