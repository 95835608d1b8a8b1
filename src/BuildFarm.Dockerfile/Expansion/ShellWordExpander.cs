using BuildFarm.Dockerfile.Expansion.Internal;

namespace BuildFarm.Dockerfile.Expansion;

/// <summary>
/// Expands Dockerfile words the way BuildKit's shell lexer does (<c>frontend/dockerfile/shell</c>):
/// quotes, escapes, <c>$VAR</c> and the <c>${VAR...}</c> forms <c>:-</c> <c>-</c> <c>:+</c>
/// <c>+</c> <c>:?</c> <c>?</c> <c>#</c> <c>##</c> <c>%</c> <c>%%</c> <c>/</c> <c>//</c>, nested
/// to any depth. Immutable and safe to share between threads.
/// </summary>
/// <remarks>
/// Where this differs from BuildKit, on purpose:
/// <list type="bullet">
/// <item><c>${VAR</c> at the end of the text fails with <c>syntax error: missing '}'</c>
/// (BuildKit: <c>unsupported modifier (\uFFFD) in substitution</c>).</item>
/// <item><see cref="ExpandWords"/> keeps text written right before a <c>${VAR:-...}</c> in the
/// same word (<c>a${X:-b}c</c> is <c>abc</c>); BuildKit since 0.15 drops it from the word list
/// because its operand reuses the word buffer, while its single-word result keeps it.</item>
/// </list>
/// </remarks>
public sealed class ShellWordExpander
{
    /// <param name="escapeToken">
    /// The escape character: <c>\</c>, or <c>`</c> after a <c># escape=`</c> directive.
    /// Patterns in <c>${VAR#...}</c> and the like always quote with <c>\</c>, as in BuildKit.
    /// </param>
    public ShellWordExpander(char escapeToken = '\\')
    {
        if (escapeToken is not ('\\' or '`'))
        {
            throw new ArgumentOutOfRangeException(nameof(escapeToken), escapeToken, "The escape token must be '\\' or '`'.");
        }

        EscapeToken = escapeToken;
    }

    public char EscapeToken { get; }

    /// <summary>Keep quote characters in the result (BuildKit's RawQuotes); quoting still groups.</summary>
    public bool RawQuotes { get; init; }

    /// <summary>Keep escape characters in the result (BuildKit's RawEscapes); they still escape.</summary>
    public bool RawEscapes { get; init; }

    /// <summary>Treat quotes as ordinary characters (BuildKit's SkipProcessQuotes).</summary>
    public bool SkipProcessQuotes { get; init; }

    /// <summary>
    /// Leave references to unset variables as written, e.g. <c>$A</c>, <c>${A}</c>, <c>${A:-x}</c>
    /// (BuildKit's SkipUnsetEnv), for a later expansion to resolve.
    /// </summary>
    public bool SkipUnsetEnv { get; init; }

    /// <summary>
    /// Expands one word: quotes removed, escapes processed, variables expanded, no splitting.
    /// </summary>
    /// <exception cref="WordExpansionException">The word is malformed, or a <c>?</c> form failed.</exception>
    public ExpandedWord ExpandWord(string word, IVariableLookup variables)
    {
        ArgumentNullException.ThrowIfNull(word);
        ArgumentNullException.ThrowIfNull(variables);
        var lexer = new WordLexer(this, word, variables);
        var (value, _) = lexer.Run(splitWords: false);
        return new ExpandedWord(value, lexer.Referenced, lexer.Unset);
    }

    /// <summary>
    /// Expands a text and splits it into words at whitespace that is neither quoted nor escaped,
    /// after expansion: an unquoted variable's value splits, a quoted one does not.
    /// </summary>
    /// <exception cref="WordExpansionException">The text is malformed, or a <c>?</c> form failed.</exception>
    public ExpandedWords ExpandWords(string text, IVariableLookup variables)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(variables);
        var lexer = new WordLexer(this, text, variables);
        var (_, words) = lexer.Run(splitWords: true);
        return new ExpandedWords(words!, lexer.Referenced, lexer.Unset);
    }
}
