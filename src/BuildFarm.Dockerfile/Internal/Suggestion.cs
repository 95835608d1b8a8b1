namespace BuildFarm.Dockerfile.Internal;

/// <summary>
/// BuildKit's "did you mean" (util/suggest): the known word closest to a mistyped one, by edit
/// distance under 3, is named at the end of the error. An exact match names nothing: the error was
/// about something else.
/// </summary>
internal static class Suggestion
{
    private const int MaxDistance = 3;

    /// <summary><paramref name="message"/>, with <c> (did you mean WORD?)</c> when one of <paramref name="known"/> is close to <paramref name="value"/>.</summary>
    /// <param name="ignoreCase">Compare without case; the suggestion then takes the case <paramref name="value"/> was written in, when it is all one case.</param>
    public static string Append(string message, string value, IEnumerable<string> known, bool ignoreCase = false)
    {
        var compared = ignoreCase ? value.ToLowerInvariant() : value;
        string? match = null;
        var best = MaxDistance;
        foreach (var option in known)
        {
            var candidate = ignoreCase ? option.ToLowerInvariant() : option;
            if (candidate == compared)
            {
                return message;
            }

            var distance = Distance(compared, candidate);
            if (distance < best)
            {
                (match, best) = (candidate, distance);
            }
        }

        if (match is null)
        {
            return message;
        }

        if (ignoreCase && value == value.ToUpperInvariant())
        {
            match = match.ToUpperInvariant();
        }

        return $"{message} (did you mean {match}?)";
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions of one character each cost 1.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
