namespace BuildFarm.Dockerfile.Parsing.Internal;

/// <summary>
/// BuildKit's directive parser: reads <c># name=value</c> lines until the first line that is not
/// one (any other comment, a blank line, an instruction), after which nothing is a directive.
/// Names are case-insensitive; only <c>syntax</c>, <c>escape</c> and <c>check</c> are directives.
/// </summary>
internal sealed class DirectiveScanner(bool rejectDuplicates)
{
    private static readonly string[] KnownNames =
        [ParserDirective.SyntaxName, ParserDirective.EscapeName, ParserDirective.CheckName];

    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>True once a line that is not a directive has been seen.</summary>
    public bool Done { get; private set; }

    /// <summary>Reads one line (without its line ending); returns the directive it holds, if any.</summary>
    /// <exception cref="InstructionSyntaxException">The directive was already given and duplicates are rejected.</exception>
    public (string Name, string Value)? ReadLine(string line)
    {
        if (Done)
        {
            return null;
        }
        if (!line.StartsWith('#') || !TryMatch(line.AsSpan(1).TrimStart(), out var name, out var value))
        {
            Done = true;
            return null;
        }
        var key = name.ToLowerInvariant();
        if (Array.IndexOf(KnownNames, key) < 0)
        {
            Done = true;
            return null;
        }
        if (!_seen.Add(key))
        {
            if (rejectDuplicates)
            {
                throw new InstructionSyntaxException($"only one {key} parser directive can be used");
            }
            // BuildKit's frontend stops at the duplicate and keeps what it read before.
            Done = true;
            return null;
        }
        return (key, value);
    }

    /// <summary>
    /// BuildKit's <c>^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$</c>, matched by hand so that a long
    /// line of spaces cannot make a backtracking engine crawl.
    /// </summary>
    private static bool TryMatch(ReadOnlySpan<char> text, out string name, out string value)
    {
        name = value = "";
        var end = 0;
        while (end < text.Length && (char.IsAsciiLetter(text[end]) || (end > 0 && char.IsAsciiDigit(text[end]))))
        {
            end++;
        }
        if (end == 0)
        {
            return false;
        }
        name = text[..end].ToString();
        var rest = text[end..].TrimStart(GoRegexSpace);
        if (rest.IsEmpty || rest[0] != '=')
        {
            return false;
        }
        var afterEquals = rest[1..];
        var trimmed = afterEquals.TrimStart(GoRegexSpace).TrimEnd(GoRegexSpace);
        if (trimmed.IsEmpty)
        {
            // Only spaces after '=': the lazy (.+?) still takes the last of them.
            if (afterEquals.IsEmpty)
            {
                return false;
            }
            trimmed = afterEquals[^1..];
        }
        if (trimmed.Contains('\n'))
        {
            return false;
        }
        value = trimmed.ToString();
        return true;
    }

    /// <summary>Go's regexp <c>\s</c>: ASCII space, tab, newline, form feed, carriage return.</summary>
    private const string GoRegexSpace = " \t\n\f\r";
}
