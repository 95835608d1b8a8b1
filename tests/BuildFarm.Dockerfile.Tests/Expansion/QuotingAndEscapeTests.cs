using BuildFarm.Dockerfile.Expansion;
using static BuildFarm.Dockerfile.Tests.Expansion.ExpansionAssert;

namespace BuildFarm.Dockerfile.Tests.Expansion;

/// <summary>Quotes, escapes, names and word splitting with the default <c>\</c> escape.</summary>
public sealed class QuotingAndEscapeTests
{
    public static TheoryData<string, string> Words() => new()
    {
        // word, value with A=1, B=2, V=" a  b ", 한국=k
        { "\"a\\\"b\"", "a\"b" },
        { "\"a\\$A\"", "a$A" },
        { "\"a\\\\b\"", "a\\b" },
        // Inside double quotes \ escapes only ", $ and itself.
        { "\"a\\b\"", "a\\b" },
        { "'a\\'", "a\\" },
        { "a\\ b", "a b" },
        { "\\\"", "\"" },
        { "\"a'b\"", "a'b" },
        { "'a\"b'", "a\"b" },
        { "a\"b\"'c'd", "abcd" },
        { "\"'$A'\"", "'1'" },
        // $ that starts no name stays.
        { "$", "$" },
        { "a$", "a$" },
        { "$ x", "$ x" },
        { "$/", "$/" },
        { "\"$\"", "$" },
        { "$A$B", "12" },
        { "${A}_B", "1_B" },
        { "$A_B", "" },
        { "$한국", "k" },
        // Positional and special parameters are names too, and never set.
        { "$1a", "a" },
        { "$12a", "a" },
        { "$-x", "x" },
        { "$$x", "x" },
        { "${A}}", "1}" },
        // Operands: quotes and escapes work inside them, so } can be part of a default.
        { "${X:-\"a}b\"}", "a}b" },
        { "${X:-a\\}b}", "a}b" },
        { "${X:-'a}'}", "a}" },
        { "${X:-\\$A}", "$A" },
        { "${X:-\"\\$A\"}", "$A" },
        { "\"${X:-a b}\"", "a b" },
        { "${X:-$A$B}", "12" },
        { "${X:-${Y:-${Z:-deep}}}", "deep" },
        // Heredoc markers pass through untouched.
        { "<<EOF", "<<EOF" },
        { "a<b", "a<b" },
    };

    [Theory]
    [MemberData(nameof(Words))]
    public void Expands_a_word(string word, string value) =>
        Assert.Equal(value, Backslash.ExpandWord(word, Variables("A=1", "B=2", "V= a  b ", "한국=k")).Value);

    public static TheoryData<string, string[]> Splits() => new()
    {
        { "a b\tc\nd", ["a", "b", "c", "d"] },
        { "  a  ", ["a"] },
        { "", [] },
        { "\"a b\" c", ["a b", "c"] },
        { "a\" \"b", ["a b"] },
        { "'' x \"\"", ["x"] },
        { "$V", ["a", "b"] },
        { "\"$V\"", [" a  b "] },
        { "x$V", ["x", "a", "b"] },
        { "x$W", ["xa", "b"] },
        { "a\\ b c", ["a b", "c"] },
        // An unquoted expansion splits, even when its operand was quoted.
        { "${U:-x y}", ["x", "y"] },
        { "${U:-\"x y\"}", ["x", "y"] },
        { "\"${U:-x y}\"", ["x y"] },
        // Text right before ${...:-...} stays in its word (BuildKit 0.15+ loses it: see ShellWordExpander).
        { "a${U:-b}c", ["abc"] },
        { "a${U:-b c}d", ["ab", "cd"] },
        // Any Unicode white space splits, as Go's unicode.IsSpace.
        { "a\u00A0b\u3000c", ["a", "b", "c"] },
        // The blanks after << belong to the heredoc word.
        { "cat <<  EOF", ["cat", "<<  EOF"] },
        { "cat < in", ["cat", "<", "in"] },
    };

    [Theory]
    [MemberData(nameof(Splits))]
    public void Splits_into_words_after_expansion(string text, string[] words) =>
        Assert.Equal(words, Backslash.ExpandWords(text, Variables("V= a  b ", "W=a b")).Values);

    [Fact]
    public void Splitting_reports_the_names_it_looked_up()
    {
        var result = Backslash.ExpandWords("$A ${B:-x} '$C' \\$D \"$E\"", Variables("A=1"));

        Assert.Equal(["1", "x", "$C", "$D"], result.Values);
        Names(["A", "B", "E"], result.Referenced);
        Names(["B", "E"], result.Unset);
    }

    [Fact]
    public void Quoted_and_escaped_dollars_look_nothing_up()
    {
        var result = Backslash.ExpandWord("'$A' \\$B \"\\$C\" '${D:-x}'", Variables());

        Assert.Equal("$A $B $C ${D:-x}", result.Value);
        Assert.Empty(result.Referenced);
        Assert.Empty(result.Unset);
    }

    [Fact]
    public void Names_are_case_sensitive_by_default()
    {
        var result = Backslash.ExpandWord("$path:$PATH", Variables("PATH=/bin"));

        Assert.Equal(":/bin", result.Value);
        Names(["path", "PATH"], result.Referenced);
        Names(["path"], result.Unset);
    }

    [Fact]
    public void Positional_and_special_parameters_are_looked_up_by_their_name()
    {
        var result = Backslash.ExpandWord("$1 ${2} $@ ${#:-x} $0", Variables());

        Assert.Equal("   x ", result.Value);
        Names(["1", "2", "@", "#", "0"], result.Unset);
    }

    [Fact]
    public void Only_a_backslash_or_a_backtick_can_be_the_escape_token() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShellWordExpander('x'));
}
