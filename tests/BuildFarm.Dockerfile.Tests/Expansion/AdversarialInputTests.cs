using System.Text;
using BuildFarm.Dockerfile.Expansion;
using static BuildFarm.Dockerfile.Tests.Expansion.ExpansionAssert;

namespace BuildFarm.Dockerfile.Tests.Expansion;

/// <summary>
/// Hostile input: deep nesting costs no stack, long words and values take linear (patterns:
/// text times pattern) time. Each case must finish well within its bound on a loaded machine.
/// </summary>
public sealed class AdversarialInputTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static string Nested(int depth, string innermost, string open = "${a:-", string close = "}") =>
        new StringBuilder().Insert(0, open, depth).Append(innermost).Insert(open.Length * depth + innermost.Length, close, depth).ToString();

    private static Task<T> Bounded<T>(Func<T> work) => Task.Run(work).WaitAsync(Bound);

    [Theory]
    [InlineData(1_000)]
    [InlineData(200_000)]
    public async Task Deeply_nested_defaults_expand_without_recursion(int depth)
    {
        var word = Nested(depth, "x");

        var result = await Bounded(() => Backslash.ExpandWord(word, Variables()));

        Assert.Equal("x", result.Value);
        Names(["a"], result.Referenced);
        Names(["a"], result.Unset);
    }

    [Fact]
    public async Task Deeply_nested_defaults_of_a_set_variable_give_its_value()
    {
        var word = Nested(1_000, "${b:-x}");

        var result = await Bounded(() => Backslash.ExpandWord(word, Variables("a=v")));

        Assert.Equal("v", result.Value);
        Names(["a", "b"], result.Referenced);
        Names(["b"], result.Unset);
    }

    [Fact]
    public async Task Deeply_nested_quoted_defaults_expand()
    {
        var word = Nested(1_000, "x y", open: "\"${a:-", close: "}\"");

        var result = await Bounded(() => Backslash.ExpandWords(word, Variables()));

        Assert.Equal(["x y"], result.Values);
    }

    [Theory]
    [InlineData("${a:-", "syntax error: missing '}'")]
    [InlineData("${a/", "syntax error: missing '/' in ${}")]
    [InlineData("\"${a:-", "syntax error: missing '}'")]
    public async Task Deeply_nested_unterminated_expansions_fail_clearly(string open, string reason)
    {
        var word = new StringBuilder().Insert(0, open, 100_000).Append('x').ToString();

        var error = await Bounded(() => Assert.Throws<WordExpansionException>(() => Backslash.ExpandWord(word, Variables())));

        Assert.Equal(reason, error.Reason);
    }

    [Fact]
    public async Task A_long_word_expands_in_linear_time()
    {
        var word = new string('a', 1_000_000) + new StringBuilder().Insert(0, "\\$$A\"$A\"'$A'", 100_000);

        var result = await Bounded(() => Backslash.ExpandWord(word, Variables("A=1")));

        Assert.Equal(new string('a', 1_000_000) + new StringBuilder().Insert(0, "$11$A", 100_000), result.Value);
        Names(["A"], result.Referenced);
    }

    [Fact]
    public async Task A_long_text_splits_into_many_words()
    {
        var text = new StringBuilder().Insert(0, "ab ", 300_000).ToString();

        var result = await Bounded(() => Backslash.ExpandWords(text, Variables()));

        Assert.Equal(300_000, result.Values.Count);
        Assert.All(result.Values, word => Assert.Equal("ab", word));
    }

    [Fact]
    public async Task A_long_unterminated_quote_fails_clearly()
    {
        var word = "\"" + new string('a', 1_000_000);

        var error = await Bounded(() => Assert.Throws<WordExpansionException>(() => Backslash.ExpandWord(word, Variables())));

        Assert.Equal("unexpected end of statement while looking for matching double-quote", error.Reason);
    }

    [Theory]
    // Patterns that make a backtracking matcher explode on a value with no b.
    [InlineData("${V##*b}")]
    [InlineData("${V%%*b}")]
    [InlineData("${V#a*a*a*a*a*a*a*a*b}")]
    [InlineData("${V%a*a*a*a*a*a*a*a*b}")]
    [InlineData("${V/a*a*a*a*a*a*a*a*b/x}")]
    [InlineData("${V//a*a*a*a*a*a*a*a*b/x}")]
    public async Task Patterns_on_a_long_value_without_a_match_leave_it_unchanged(string word)
    {
        var value = new string('a', 200_000);

        var result = await Bounded(() => Backslash.ExpandWord(word, Variables("V=" + value)));

        Assert.Equal(value, result.Value);
    }

    [Fact]
    public async Task Replacing_every_character_of_a_long_value_is_linear()
    {
        var result = await Bounded(() => Backslash.ExpandWord("${V//a/bc}", Variables("V=" + new string('a', 200_000))));

        Assert.Equal(new StringBuilder().Insert(0, "bc", 200_000).ToString(), result.Value);
    }

    [Fact]
    public async Task A_long_pattern_of_wildcards_matches_in_bounded_time()
    {
        var pattern = new StringBuilder().Insert(0, "*?", 2_000).ToString();
        var value = new string('a', 3_999) + "\n" + new string('a', 20_000);

        // 2000 "?" need 2000 characters before the newline, which has 3999: the longest prefix
        // stops just before the newline, as * and ? never match it.
        var result = await Bounded(() => Backslash.ExpandWord("${V##" + pattern + "}", Variables("V=" + value)));

        Assert.Equal(value[3_999..], result.Value);
    }
}
