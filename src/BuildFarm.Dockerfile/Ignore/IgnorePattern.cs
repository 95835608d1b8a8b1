using System.Text;
using System.Text.RegularExpressions;
using BuildFarm.Dockerfile.Matching;

namespace BuildFarm.Dockerfile.Ignore;

/// <summary>
/// One compiled <c>.dockerignore</c> pattern with moby/patternmatcher's matching rules:
/// <c>*</c> and <c>?</c> stop at <c>/</c>, <c>**</c> crosses directories, <c>[...]</c> is a class,
/// <c>\</c> escapes. Literal patterns and leading/trailing <c>**</c> match without a regex.
/// </summary>
public sealed class IgnorePattern
{
    private readonly MatchKind _kind;
    private readonly Regex? _regex;

    private IgnorePattern(string pattern, bool exception, MatchKind kind, Regex? regex)
    {
        Pattern = pattern;
        IsException = exception;
        _kind = kind;
        _regex = regex;
    }

    private enum MatchKind
    {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }

    /// <summary>The cleaned pattern, without the leading <c>!</c>.</summary>
    public string Pattern { get; }

    /// <summary>True for a <c>!pattern</c> that re-includes what earlier patterns ignored.</summary>
    public bool IsException { get; }

    /// <summary>Compiles a cleaned pattern; null with <paramref name="error"/> set when it is malformed.</summary>
    internal static IgnorePattern? TryCreate(string pattern, bool exception, out string? error)
    {
        error = PathMatch.IsWellFormed(pattern) ? null : "syntax error in pattern";
        if (error is not null)
        {
            return null;
        }

        var regex = new StringBuilder("^");
        var kind = MatchKind.Exact;
        var runes = pattern.EnumerateRunes().Select(r => r.ToString()).ToList();
        for (var i = 0; i < runes.Count; i++)
        {
            var first = i == 0;
            var ch = runes[i];
            if (ch == "*" && i + 1 < runes.Count && runes[i + 1] == "*")
            {
                i++;
                if (i + 1 < runes.Count && runes[i + 1] == "/")
                {
                    i++; // "**/" is "**"
                }

                if (i + 1 >= runes.Count)
                {
                    // A trailing "**" matches everything below, as in .gitignore.
                    if (kind == MatchKind.Exact)
                    {
                        kind = MatchKind.Prefix;
                    }
                    else
                    {
                        regex.Append(".*");
                        kind = MatchKind.Regex;
                    }
                }
                else
                {
                    regex.Append("(.*/)?");
                    kind = MatchKind.Regex;
                }

                if (first)
                {
                    kind = MatchKind.Suffix;
                }
            }
            else if (ch == "*")
            {
                regex.Append("[^/]*");
                kind = MatchKind.Regex;
            }
            else if (ch == "?")
            {
                regex.Append("[^/]");
                kind = MatchKind.Regex;
            }
            else if (ch is "." or "+" or "(" or ")" or "|" or "{" or "}" or "$")
            {
                regex.Append('\\').Append(ch);
            }
            else if (ch == "\\")
            {
                if (i + 1 < runes.Count)
                {
                    regex.Append('\\').Append(runes[++i]);
                    kind = MatchKind.Regex;
                }
                else
                {
                    regex.Append("\\\\");
                }
            }
            else if (ch is "[" or "]")
            {
                regex.Append(ch);
                kind = MatchKind.Regex;
            }
            else
            {
                regex.Append(ch);
            }
        }

        Regex? compiled = null;
        if (kind == MatchKind.Regex)
        {
            try
            {
                compiled = new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException)
            {
                error = "syntax error in pattern";
                return null;
            }
        }

        return new IgnorePattern(pattern, exception, kind, compiled);
    }

    /// <summary>Whether the pattern matches the cleaned, slash-separated path itself (not its parents).</summary>
    public bool Matches(string path) => _kind switch
    {
        MatchKind.Exact => path == Pattern,
        MatchKind.Prefix => path.StartsWith(Pattern[..^2], StringComparison.Ordinal),
        MatchKind.Suffix => path.EndsWith(Pattern[2..], StringComparison.Ordinal)
            || (Pattern.Length > 2 && Pattern[2] == '/' && path == Pattern[3..]),
        _ => _regex!.IsMatch(path),
    };

    /// <summary>The pattern with a trailing <c>/**</c> or <c>/*</c> removed (fsutil's walk pruning uses it).</summary>
    internal string WithoutTrailingGlob()
    {
        var text = Pattern;
        if (text.EndsWith("/**", StringComparison.Ordinal))
        {
            text = text[..^3];
        }

        return text.EndsWith("/*", StringComparison.Ordinal) ? text[..^2] : text;
    }
}
