namespace BuildFarm.Dockerfile.Matching;

/// <summary>
/// A slash-separated path against a pattern, with Go's <c>path.Match</c> meaning (what
/// BuildKit uses for COPY wildcards and, through the pattern validation, for <c>.dockerignore</c>): <c>*</c> any run of characters, <c>?</c> one character,
/// neither crossing <c>/</c>, <c>[...]</c> a class (<c>^</c> negates, <c>a-z</c> ranges), <c>\</c> quotes the next character.
/// </summary>
/// <remarks>A star is retried at most once per text position, so matching is O(pattern × text).</remarks>
public static class PathMatch
{
    public static bool HasWildcards(string pattern) => pattern.AsSpan().IndexOfAny("*?[\\") >= 0;

    /// <summary>
    /// False for what Go's <c>path.Match</c> rejects with <c>ErrBadPattern</c>: a trailing <c>\</c>
    /// and malformed <c>[...]</c> classes. <see cref="Matches"/> needs a well-formed pattern.
    /// </summary>
    public static bool IsWellFormed(string pattern)
    {
        for (var p = 0; p < pattern.Length;)
        {
            if (!TrySkipToken(pattern, ref p))
            {
                return false;
            }
        }

        return true;
    }

    public static bool Matches(string pattern, string name)
    {
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = ++p;
                starN = n;
                continue;
            }

            if (p < pattern.Length && MatchesOne(pattern, ref p, name[n]))
            {
                n++;
                continue;
            }

            // A star cannot swallow a '/': a pattern component matches one name component.
            if (starP < 0 || name[starN] == '/')
            {
                return false;
            }

            p = starP;
            n = ++starN;
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    // Consumes one non-star token at p; true when it matches c. p is left unchanged on a mismatch
    // only in the sense that the caller backtracks to the last star anyway.
    private static bool MatchesOne(string pattern, ref int p, char c)
    {
        switch (pattern[p])
        {
            case '?':
                p++;
                return c != '/';
            case '\\':
                p += 2;
                return pattern[p - 1] == c;
            case '[':
                return MatchesClass(pattern, ref p, c);
            default:
                return pattern[p++] == c;
        }
    }

    private static bool MatchesClass(string pattern, ref int p, char c)
    {
        p++; // '['
        var negated = pattern[p] == '^';
        if (negated)
        {
            p++;
        }

        var matched = false;
        var first = true;
        while (first || pattern[p] != ']')
        {
            first = false;
            var low = ClassChar(pattern, ref p);
            var high = low;
            if (pattern[p] == '-')
            {
                p++;
                high = ClassChar(pattern, ref p);
            }

            matched |= low <= c && c <= high;
        }

        p++; // ']'
        return matched != negated;
    }

    private static char ClassChar(string pattern, ref int p)
    {
        if (pattern[p] == '\\')
        {
            p++;
        }

        return pattern[p++];
    }

    // Go rejects: a trailing '\', an unclosed class, an empty class, a class character that is
    // a bare '-' or ']' where a character is expected, and a range missing its end.
    private static bool TrySkipToken(string pattern, ref int p)
    {
        switch (pattern[p])
        {
            case '\\':
                p += 2;
                return p <= pattern.Length;
            case '[':
                p++;
                if (p < pattern.Length && pattern[p] == '^')
                {
                    p++;
                }

                var count = 0;
                while (p < pattern.Length && (count == 0 || pattern[p] != ']'))
                {
                    if (!TrySkipClassChar(pattern, ref p))
                    {
                        return false;
                    }

                    if (p < pattern.Length && pattern[p] == '-')
                    {
                        p++;
                        if (!TrySkipClassChar(pattern, ref p))
                        {
                            return false;
                        }
                    }

                    count++;
                }

                if (p >= pattern.Length || count == 0)
                {
                    return false;
                }

                p++;
                return true;
            default:
                p++;
                return true;
        }
    }

    private static bool TrySkipClassChar(string pattern, ref int p)
    {
        if (p >= pattern.Length || pattern[p] is '-' or ']')
        {
            return false;
        }

        if (pattern[p] == '\\')
        {
            p++;
            if (p >= pattern.Length)
            {
                return false;
            }
        }

        p++;
        return true;
    }
}
