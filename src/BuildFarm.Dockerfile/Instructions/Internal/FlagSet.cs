using BuildFarm.Dockerfile.Internal;

namespace BuildFarm.Dockerfile.Instructions.Internal;

/// <summary>
/// The flags one instruction accepts, read from the parser's raw <c>--name=value</c> strings
/// with BuildKit's rules: bool flags take no value or true/false, string flags need a value and
/// may be given once, list flags may repeat; <c>--</c> ends the flags.
/// </summary>
internal sealed class FlagSet
{
    private readonly Dictionary<string, FlagKind> _declared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    private enum FlagKind
    {
        Bool,
        String,
        Strings,
    }

    public FlagSet Bool(string name) => Declare(name, FlagKind.Bool);

    public FlagSet String(string name) => Declare(name, FlagKind.String);

    public FlagSet Strings(string name) => Declare(name, FlagKind.Strings);

    /// <summary>Reads the flags; the returned text is BuildKit's message for the first bad one, or null.</summary>
    public string? Parse(IReadOnlyList<string> flags)
    {
        foreach (var flag in flags)
        {
            if (flag == "--")
            {
                return null;
            }

            if (!flag.StartsWith("--", StringComparison.Ordinal))
            {
                return $"arg should start with -- : {flag}";
            }

            var equals = flag.IndexOf('=', StringComparison.Ordinal);
            var flagName = equals < 0 ? flag : flag[..equals];
            var value = equals < 0 ? string.Empty : flag[(equals + 1)..];
            var hasValue = equals >= 0;
            var name = flagName[2..];
            if (!_declared.TryGetValue(name, out var kind))
            {
                return Suggestion.Append($"unknown flag: {flagName}", name, _declared.Keys);
            }

            if (_values.ContainsKey(name) && kind != FlagKind.Strings)
            {
                return $"duplicate flag specified: {flagName}";
            }

            switch (kind)
            {
                case FlagKind.Bool when hasValue && value.Length == 0:
                    return $"missing a value on flag: {flagName}";
                case FlagKind.Bool:
                    var text = value.ToLowerInvariant();
                    if (text is not ("" or "true" or "false"))
                    {
                        return $"expecting boolean value for flag {flagName}, not: {value}";
                    }

                    value = text == "false" ? "false" : "true";
                    break;
                case FlagKind.String or FlagKind.Strings when !hasValue:
                    return $"missing a value on flag: {flagName}";
            }

            if (!_values.TryGetValue(name, out var list))
            {
                _values[name] = list = [];
            }

            list.Add(value);
        }

        return null;
    }

    /// <summary>True when the flag was given at all.</summary>
    public bool IsSet(string name) => _values.ContainsKey(name);

    public string? GetString(string name) => _values.TryGetValue(name, out var list) ? list[0] : null;

    public bool GetBool(string name) => GetOptionalBool(name) ?? false;

    public bool? GetOptionalBool(string name) => _values.TryGetValue(name, out var list) ? list[0] == "true" : null;

    public IReadOnlyList<string> GetStrings(string name) => _values.TryGetValue(name, out var list) ? list : [];

    private FlagSet Declare(string name, FlagKind kind)
    {
        _declared.Add(name, kind);
        return this;
    }
}
