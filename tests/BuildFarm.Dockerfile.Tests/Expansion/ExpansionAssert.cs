using BuildFarm.Dockerfile.Expansion;

namespace BuildFarm.Dockerfile.Tests.Expansion;

/// <summary>Shorthands shared by the expansion tests.</summary>
internal static class ExpansionAssert
{
    public static readonly ShellWordExpander Backslash = new('\\');

    public static IVariableLookup Variables(params string[] environment) => DictionaryVariableLookup.FromEnvironment(environment);

    /// <summary>Asserts the word fails and returns why.</summary>
    public static string Reason(ShellWordExpander expander, string word, params string[] environment)
    {
        var error = Assert.Throws<WordExpansionException>(() => expander.ExpandWord(word, Variables(environment)));
        Assert.Equal(word, error.Word);
        return error.Reason;
    }

    public static void Names(IEnumerable<string> expected, IReadOnlySet<string> actual) =>
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
}
