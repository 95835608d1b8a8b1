namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>Turns one logical instruction line (continuations joined) into a <see cref="ParsedInstruction"/>.</summary>
internal static class InstructionReader
{
    /// <summary>
    /// BuildKit's parser nests ONBUILD without limit, but rejects <c>ONBUILD ONBUILD</c> when it
    /// reads the instructions; bounding the nesting here keeps absurd input from costing memory
    /// in proportion to depth times line length.
    /// </summary>
    public const int MaxOnbuildNesting = 8;

    private const string Onbuild = "onbuild";

    /// <exception cref="InstructionSyntaxException">The arguments break the instruction's rules.</exception>
    public static ParsedInstruction Read(string line, char escapeToken, SourceLocation location)
    {
        var triggers = new List<(string Keyword, IReadOnlyList<string> Flags, string Original)>();
        var text = line;
        while (true)
        {
            var (command, flags, arguments) = CommandSplitter.Split(text, escapeToken);
            var keyword = command.ToLowerInvariant();
            if (keyword != Onbuild)
            {
                var parsed = InstructionArguments.Parse(keyword, arguments, escapeToken);
                var instruction = new ParsedInstruction(keyword, flags, parsed.Arguments, parsed.IsJson, [], null, text, location);
                return WrapInTriggers(instruction, triggers, location);
            }
            if (arguments.Length == 0)
            {
                var empty = new ParsedInstruction(keyword, flags, [], false, [], null, text, location);
                return WrapInTriggers(empty, triggers, location);
            }
            if (triggers.Count == MaxOnbuildNesting)
            {
                throw new InstructionSyntaxException(
                    $"ONBUILD nested more than {MaxOnbuildNesting} levels deep; chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
            }
            triggers.Add((keyword, flags, text));
            text = arguments;
        }
    }

    private static ParsedInstruction WrapInTriggers(
        ParsedInstruction innermost,
        List<(string Keyword, IReadOnlyList<string> Flags, string Original)> triggers,
        SourceLocation location)
    {
        var instruction = innermost;
        for (var i = triggers.Count - 1; i >= 0; i--)
        {
            var (keyword, flags, original) = triggers[i];
            instruction = new ParsedInstruction(keyword, flags, [], false, [], instruction, original, location);
        }
        return instruction;
    }
}
