using System.Text;

namespace BuildFarm.Dockerfile.Expansion.Internal;

/// <summary>
/// The pattern operators of <c>${...}</c>: <c>#</c>/<c>##</c> (remove the shortest/longest
/// matching prefix), <c>%</c>/<c>%%</c> (suffix), <c>/</c>/<c>//</c> (replace the first/every
/// match), with BuildKit's results.
/// </summary>
internal static class PatternOperations
{
    public static string RemovePrefix(string value, string pattern, bool longest)
    {
        var glob = Parse(pattern);
        var text = CodePoints.Decode(value, out var offsets);
        var length = glob.MatchPrefix(text, longest);
        return length < 0 ? value : value[offsets[length]..];
    }

    /// <remarks>
    /// BuildKit finds a suffix as the prefix of the reversed value matched by the reversed
    /// pattern; an invalid escape is therefore reported in the reversed pattern, as here.
    /// </remarks>
    public static string RemoveSuffix(string value, string pattern, bool longest)
    {
        var glob = Parse(ReversePattern(pattern));
        var text = CodePoints.Decode(value, out var offsets);
        Array.Reverse(text);
        var length = glob.MatchPrefix(text, longest);
        return length < 0 ? value : value[..offsets[text.Length - length]];
    }

    /// <summary>
    /// Replaces the leftmost-longest match, or every one. Replacing every match goes through
    /// Go's <c>Regexp.ReplaceAllString</c> in BuildKit, so only there is <c>$</c> in the
    /// replacement a template (<see cref="ExpandTemplate"/>); a single replacement is literal.
    /// </summary>
    public static string Replace(string value, string pattern, string replacement, bool all)
    {
        var glob = Parse(pattern);
        var text = CodePoints.Decode(value, out var offsets);
        if (!all)
        {
            var (start, end) = glob.FindLeftmost(text, 0);
            return start < 0 ? value : string.Concat(value.AsSpan(0, offsets[start]), replacement, value.AsSpan(offsets[end]));
        }

        var replaced = new StringBuilder(value.Length);
        var copiedUpTo = 0;
        for (var searchFrom = 0; searchFrom <= text.Length;)
        {
            var (start, end) = glob.FindLeftmost(text, searchFrom);
            if (start < 0)
            {
                break;
            }

            replaced.Append(value, offsets[copiedUpTo], offsets[start] - offsets[copiedUpTo]);
            // An empty match right after a match is not replaced again.
            if (end > copiedUpTo || start == 0)
            {
                ExpandTemplate(replaced, replacement, value[offsets[start]..offsets[end]]);
            }

            copiedUpTo = end;
            searchFrom = end > searchFrom ? end : searchFrom + 1;
        }

        return replaced.Append(value, offsets[copiedUpTo], value.Length - offsets[copiedUpTo]).ToString();
    }

    /// <summary>
    /// Go's <c>Regexp.Expand</c> for a pattern without groups: <c>$$</c> is <c>$</c>,
    /// <c>$0</c>/<c>${0}</c> the matched text, any other <c>$name</c>/<c>${name}</c> nothing,
    /// and a <c>$</c> that starts no reference stays.
    /// </summary>
    private static void ExpandTemplate(StringBuilder output, string template, string match)
    {
        var index = 0;
        while (index < template.Length)
        {
            var dollar = template.IndexOf('$', index);
            if (dollar < 0)
            {
                break;
            }

            output.Append(template, index, dollar - index);
            index = dollar + 1;
            if (index < template.Length && template[index] == '$')
            {
                output.Append('$');
                index++;
                continue;
            }

            if (!TryReadReference(template, ref index, out var reference))
            {
                output.Append('$');
                continue;
            }

            if (reference == "0")
            {
                output.Append(match);
            }
        }

        output.Append(template, index, template.Length - index);
    }

    // A name of letters, digits and _, bare or in braces; index moves past it when there is one.
    private static bool TryReadReference(string template, ref int index, out string reference)
    {
        var braced = index < template.Length && template[index] == '{';
        var start = braced ? index + 1 : index;
        var end = start;
        while (end < template.Length)
        {
            var codePoint = CodePoints.At(template, end, out var width);
            if (!CodePoints.IsLetter(codePoint) && !CodePoints.IsDigit(codePoint) && codePoint != '_')
            {
                break;
            }

            end += width;
        }

        reference = template[start..end];
        if (end == start || (braced && (end >= template.Length || template[end] != '}')))
        {
            return false;
        }

        index = braced ? end + 1 : end;
        return true;
    }

    private static GlobPattern Parse(string pattern) =>
        GlobPattern.TryParse(pattern, out var glob, out var error)
            ? glob
            : throw new ExpansionFailure($"invalid pattern ({pattern}) in substitution: {error}");

    // Reverses a pattern keeping each \x pair in order, so that a\*c becomes c\*a.
    private static string ReversePattern(string pattern)
    {
        var tokens = CodePoints.Decode(pattern, out _);
        var reversed = new int[tokens.Length];
        var last = tokens.Length - 1;
        for (var index = 0; index <= last;)
        {
            var target = last - index;
            if (tokens[index] == '\\' && index != last)
            {
                reversed[target - 1] = '\\';
                reversed[target] = tokens[index + 1];
                index += 2;
            }
            else
            {
                reversed[target] = tokens[index];
                index++;
            }
        }

        var builder = new StringBuilder(pattern.Length);
        foreach (var codePoint in reversed)
        {
            CodePoints.Append(builder, codePoint);
        }

        return builder.ToString();
    }
}
