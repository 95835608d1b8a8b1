using System.Text;

namespace BuildFarm.Dockerfile.Expansion.Internal;

/// <summary>
/// A shell pattern of <c>${VAR#pattern}</c>, <c>${VAR%pattern}</c> and <c>${VAR/pattern/...}</c>,
/// with BuildKit's meaning: <c>*</c> is any string, <c>?</c> any one character, neither crosses a
/// newline (BuildKit turns the pattern into a Go regular expression, whose <c>.</c> stops at
/// <c>\n</c>), <c>\</c> quotes <c>*</c>, <c>?</c> and <c>\</c> and is dropped before <c>}</c> and
/// <c>/</c>; everything else, brackets included, is literal: BuildKit has no bracket expressions.
/// </summary>
/// <remarks>
/// Matching simulates the pattern as an automaton over the text, so it takes time proportional
/// to text length times pattern length, whatever the input: no backtracking blow-up.
/// </remarks>
internal sealed class GlobPattern
{
    private const int AnyCharacter = -1;
    private const int AnyString = -2;

    // A code point to match literally, or AnyCharacter / AnyString.
    private readonly int[] _tokens;

    private GlobPattern(int[] tokens) => _tokens = tokens;

    /// <summary>Reads a pattern; false with BuildKit's message when an escape is invalid.</summary>
    public static bool TryParse(string pattern, out GlobPattern glob, out string error)
    {
        var tokens = new List<int>(pattern.Length);
        for (var index = 0; index < pattern.Length;)
        {
            var token = CodePoints.At(pattern, index, out var width);
            index += width;
            if (token == '*')
            {
                tokens.Add(AnyString);
                continue;
            }

            if (token == '?')
            {
                tokens.Add(AnyCharacter);
                continue;
            }

            if (token == '\\')
            {
                var escaped = index < pattern.Length ? CodePoints.At(pattern, index, out width) : -1;
                if (escaped is '}' or '/')
                {
                    // The escape kept } and / from ending the ${...}; it is not part of the pattern.
                    continue;
                }

                if (escaped is not ('*' or '?' or '\\'))
                {
                    glob = null!;
                    error = InvalidEscape(escaped);
                    return false;
                }

                index += width;
                token = escaped;
            }

            tokens.Add(token);
        }

        glob = new GlobPattern([.. tokens]);
        error = "";
        return true;
    }

    /// <summary>
    /// The length of the shortest or longest prefix of <paramref name="text"/> the pattern
    /// matches, or -1 when none does.
    /// </summary>
    public int MatchPrefix(ReadOnlySpan<int> text, bool longest) =>
        Search(text, 0, anchored: true, stopAtFirstMatch: !longest).End;

    /// <summary>
    /// The leftmost match at or after <paramref name="from"/>, the longest one starting there
    /// (what a Go regular expression with greedy <c>.*</c> finds); Start is -1 when none.
    /// </summary>
    public (int Start, int End) FindLeftmost(ReadOnlySpan<int> text, int from) =>
        Search(text, from, anchored: false, stopAtFirstMatch: false);

    private (int Start, int End) Search(ReadOnlySpan<int> text, int from, bool anchored, bool stopAtFirstMatch)
    {
        var accept = _tokens.Length;
        // For each pattern position: the earliest text position a live match attempt there began
        // at, or -1. Two attempts at the same position have the same future, so the earlier one
        // (the more leftmost) is all that needs keeping.
        var current = NewStates();
        var next = NewStates();
        var best = (Start: -1, End: -1);

        for (var position = from; ; position++)
        {
            if (best.Start < 0 && (!anchored || position == from) && current[0] < 0)
            {
                current[0] = position;
            }

            FollowEmptyMatches(current);
            var matchStart = current[accept];
            if (matchStart >= 0 && (best.Start < 0 || matchStart < best.Start || (matchStart == best.Start && position > best.End)))
            {
                best = (matchStart, position);
                if (stopAtFirstMatch)
                {
                    return best;
                }
            }

            if (position == text.Length)
            {
                return best;
            }

            var alive = Step(current, next, text[position], best.Start);
            (current, next) = (next, current);
            if (!alive && (anchored || best.Start >= 0))
            {
                return best;
            }
        }
    }

    private int[] NewStates()
    {
        var states = new int[_tokens.Length + 1];
        Array.Fill(states, -1);
        return states;
    }

    // A * may match nothing: an attempt standing before one also stands after it.
    private void FollowEmptyMatches(int[] states)
    {
        for (var index = 0; index < _tokens.Length; index++)
        {
            if (_tokens[index] == AnyString && states[index] >= 0)
            {
                Keep(states, index + 1, states[index]);
            }
        }
    }

    // Advances every attempt over one character; attempts that began after an already found
    // match's start can no longer win and are dropped. False when none is left.
    private bool Step(int[] current, int[] next, int character, int bestStart)
    {
        Array.Fill(next, -1);
        var alive = false;
        for (var index = 0; index < _tokens.Length; index++)
        {
            var start = current[index];
            if (start < 0 || (bestStart >= 0 && start > bestStart))
            {
                continue;
            }

            var token = _tokens[index];
            var target = token switch
            {
                AnyString when character != '\n' => index,
                AnyCharacter when character != '\n' => index + 1,
                _ when token == character => index + 1,
                _ => -1,
            };
            if (target >= 0)
            {
                Keep(next, target, start);
                alive = true;
            }
        }

        return alive;
    }

    private static void Keep(int[] states, int index, int start)
    {
        if (states[index] < 0 || start < states[index])
        {
            states[index] = start;
        }
    }

    // Go prints the missing character after a trailing \ as U+FFFD.
    private static string InvalidEscape(int escaped)
    {
        var message = new StringBuilder("invalid escape '\\");
        CodePoints.Append(message, escaped < 0 ? '\uFFFD' : escaped);
        return message.Append('\'').ToString();
    }
}
