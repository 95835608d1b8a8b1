using BuildFarm.Dockerfile.Expansion;

namespace BuildFarm.Dockerfile.Tests.Expansion;

/// <summary>The dictionary-backed lookup, with the entry rules of BuildKit's EnvsFromSlice.</summary>
public sealed class DictionaryVariableLookupTests
{
    [Fact]
    public void Environment_entries_split_at_the_first_equals_sign_and_the_last_entry_wins()
    {
        var variables = DictionaryVariableLookup.FromEnvironment(["foo", "bar=", "car=hat", "car=bike", "url=a=b"]);

        Assert.Equal("", Get(variables, "foo"));
        Assert.Equal("", Get(variables, "bar"));
        Assert.Equal("bike", Get(variables, "car"));
        Assert.Equal("a=b", Get(variables, "url"));
        Assert.False(variables.TryGet("baz", out var missing));
        Assert.Equal("", missing);
    }

    [Fact]
    public void Names_are_case_sensitive_unless_a_comparer_says_otherwise()
    {
        var unix = new DictionaryVariableLookup([new("Path", "/bin")]);
        var windows = new DictionaryVariableLookup([new("Path", "/bin"), new("PATH", "C:\\")], StringComparer.OrdinalIgnoreCase);

        Assert.False(unix.TryGet("PATH", out _));
        Assert.Equal("C:\\", Get(windows, "path"));
    }

    [Fact]
    public void Empty_has_no_variables() => Assert.False(DictionaryVariableLookup.Empty.TryGet("", out _));

    private static string? Get(IVariableLookup variables, string name) => variables.TryGet(name, out var value) ? value : null;
}
