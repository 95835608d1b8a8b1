namespace BuildFarm.Dockerfile.Expansion;

/// <summary>
/// Variables held in a dictionary. Names compare ordinally (case-sensitive), as on Unix;
/// pass <see cref="StringComparer.OrdinalIgnoreCase"/> for Windows' case-insensitive names.
/// </summary>
public sealed class DictionaryVariableLookup : IVariableLookup
{
    private readonly Dictionary<string, string> _variables;

    /// <summary>Variables from name/value pairs; a later pair for the same name wins.</summary>
    public DictionaryVariableLookup(IEnumerable<KeyValuePair<string, string>> variables, StringComparer? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(variables);
        _variables = new Dictionary<string, string>(comparer ?? StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            _variables[name] = value;
        }
    }

    /// <summary>A lookup in which no variable is set.</summary>
    public static DictionaryVariableLookup Empty { get; } = new([]);

    /// <summary>
    /// Variables from <c>NAME=value</c> entries, the form of an image config's <c>Env</c>.
    /// An entry without <c>=</c> sets the name to the empty string; a later entry for the same
    /// name wins.
    /// </summary>
    public static DictionaryVariableLookup FromEnvironment(IEnumerable<string> entries, StringComparer? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return new DictionaryVariableLookup(entries.Select(SplitEntry), comparer);
    }

    public bool TryGet(string name, out string value)
    {
        if (_variables.TryGetValue(name, out var found))
        {
            value = found;
            return true;
        }

        value = "";
        return false;
    }

    private static KeyValuePair<string, string> SplitEntry(string entry)
    {
        var equals = entry.IndexOf('=', StringComparison.Ordinal);
        return equals < 0
            ? new KeyValuePair<string, string>(entry, "")
            : new KeyValuePair<string, string>(entry[..equals], entry[(equals + 1)..]);
    }
}
