namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>
/// BuildKit's dispatch table: how each instruction's arguments are split. Instructions not in
/// the table are not an error here (BuildKit rejects them later); their arguments are dropped and
/// a single empty argument stands in for them, as in BuildKit's tree.
/// ONBUILD is not here: its argument is a whole instruction, which <see cref="InstructionReader"/> reads.
/// </summary>
internal static class InstructionArguments
{
    private static readonly Dictionary<string, Func<string, char, Parsed>> Parsers = new(StringComparer.Ordinal)
    {
        ["add"] = MaybeJsonOrWords,
        ["arg"] = (rest, escape) => new Parsed(WordSplitter.Split(rest, escape), false),
        ["cmd"] = MaybeJson,
        ["copy"] = MaybeJsonOrWords,
        ["entrypoint"] = MaybeJson,
        ["env"] = (rest, escape) => NameValuePairs(rest, escape, "ENV"),
        ["expose"] = (rest, _) => Words(rest),
        ["from"] = (rest, _) => Words(rest),
        ["healthcheck"] = HealthCheck,
        ["label"] = (rest, escape) => NameValuePairs(rest, escape, "LABEL"),
        ["maintainer"] = (rest, _) => WholeString(rest),
        ["run"] = MaybeJson,
        ["shell"] = MaybeJson,
        ["stopsignal"] = (rest, _) => WholeString(rest),
        ["user"] = (rest, _) => WholeString(rest),
        ["volume"] = MaybeJsonOrWords,
        ["workdir"] = (rest, _) => WholeString(rest),
    };

    private static readonly Parsed Nothing = new([], false);

    /// <summary>The arguments of instruction <paramref name="keyword"/> (lower case), after its flags.</summary>
    /// <exception cref="InstructionSyntaxException">The arguments break the instruction's rules.</exception>
    public static Parsed Parse(string keyword, string rest, char escapeToken) =>
        Parsers.TryGetValue(keyword, out var parse) ? parse(rest, escapeToken) : new Parsed([""], false);

    /// <summary>CMD, ENTRYPOINT, RUN, SHELL: a JSON array, else the whole text as one shell-form argument.</summary>
    private static Parsed MaybeJson(string rest, char escapeToken)
    {
        if (rest.Length == 0)
        {
            return Nothing;
        }
        return Json(rest) ?? new Parsed([rest], false);
    }

    /// <summary>ADD, COPY, VOLUME: a JSON array, else white-space separated words.</summary>
    private static Parsed MaybeJsonOrWords(string rest, char escapeToken) => Json(rest) ?? Words(rest);

    private static Parsed? Json(string rest) => JsonStringArray.Read(rest, out var elements) switch
    {
        JsonArrayKind.Strings => new Parsed(elements, true),
        JsonArrayKind.NotAllStrings => throw new InstructionSyntaxException(JsonStringArray.NotAllStringsMessage),
        _ => null,
    };

    private static Parsed Words(string rest) =>
        rest.Length == 0 ? Nothing : new Parsed(CommandSplitter.SplitOnBlanks(rest, int.MaxValue), false);

    private static Parsed WholeString(string rest) => rest.Length == 0 ? Nothing : new Parsed([rest], false);

    /// <summary>
    /// ENV and LABEL: <c>name=value ...</c> (each word must hold an <c>=</c>), or the legacy
    /// <c>name value</c> when the first word has none. Each pair becomes key, value, separator
    /// (<c>=</c>, or empty for the legacy form); quotes stay in the value.
    /// </summary>
    private static Parsed NameValuePairs(string rest, char escapeToken, string instruction)
    {
        var words = WordSplitter.Split(rest, escapeToken);
        if (words.Count == 0)
        {
            return Nothing;
        }
        if (!words[0].Contains('='))
        {
            var parts = CommandSplitter.SplitOnBlanks(rest, 2);
            if (parts.Count < 2)
            {
                throw new InstructionSyntaxException($"{instruction} must have two arguments");
            }
            return new Parsed([parts[0], parts[1], ""], false);
        }
        var triples = new List<string>(words.Count * 3);
        foreach (var word in words)
        {
            var equals = word.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                throw new InstructionSyntaxException(
                    $"Syntax error - can't find = in {GoQuote.Quote(word)}. Must be of the form: name=value");
            }
            triples.Add(word[..equals]);
            triples.Add(word[(equals + 1)..]);
            triples.Add("=");
        }
        return new Parsed(triples, false);
    }

    /// <summary>HEALTHCHECK: the type word (<c>CMD</c>, <c>NONE</c>, ...), then the rest as for CMD.</summary>
    private static Parsed HealthCheck(string rest, char escapeToken)
    {
        // BuildKit tests bytes for white space here; for ASCII text that is this test.
        var typeEnd = 0;
        while (typeEnd < rest.Length && !IsAsciiSpace(rest[typeEnd]))
        {
            typeEnd++;
        }
        if (typeEnd == 0)
        {
            return Nothing;
        }
        var commandStart = typeEnd;
        while (commandStart < rest.Length && IsAsciiSpace(rest[commandStart]))
        {
            commandStart++;
        }
        var command = MaybeJson(rest[commandStart..], escapeToken);
        return new Parsed([rest[..typeEnd], .. command.Arguments], command.IsJson);
    }

    private static bool IsAsciiSpace(char c) => c is (>= '\t' and <= '\r') or ' ';

    internal readonly record struct Parsed(List<string> Arguments, bool IsJson);
}
