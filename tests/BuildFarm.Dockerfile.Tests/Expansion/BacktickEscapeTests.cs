using BuildFarm.Dockerfile.Expansion;
using static BuildFarm.Dockerfile.Tests.Expansion.ExpansionAssert;

namespace BuildFarm.Dockerfile.Tests.Expansion;

/// <summary>
/// The <c># escape=`</c> directive: the backtick escapes, the backslash is an ordinary character
/// (Windows paths), except in ${VAR#pattern} and the like, whose patterns BuildKit always quotes with \.
/// </summary>
public sealed class BacktickEscapeTests
{
    private static readonly ShellWordExpander Backtick = new('`');

    public static TheoryData<string, string> Words() => new()
    {
        // word, value with B=1, PWD=/home, V=*x, W=`abc
        { "a`$B", "a$B" },
        { @"C:\path\$B", @"C:\path\1" },
        { "a`b", "ab" },
        { "a``b", "a`b" },
        { "a`", "a" },
        { "\"a`\"b\"", "a\"b" },
        { "\"a`$B\"", "a$B" },
        { "\"a``b\"", "a`b" },
        { "\"a`b\"", "a`b" },
        { "\"a\\$B\"", @"a\1" },
        { @"""a\""", @"a\" },
        { "'a`'", "a`" },
        { "he`$PWD", "he$PWD" },
        { "he``$PWD", "he`/home" },
        { "he${XXX:-`$PWD:}xx", "he$PWD:xx" },
        { "he${XXX:-`${PWD}z}xx", "he${PWDz}xx" },
        { "${X:-`}}", "}" },
        // Patterns quote with \ whatever the escape token; the backtick stays a literal in them.
        { @"${V#\*}", "x" },
        { "${W#`*}", "abc" },
        { "${V#`*}", "*x" },
    };

    [Theory]
    [MemberData(nameof(Words))]
    public void Expands_a_word(string word, string value) =>
        Assert.Equal(value, Backtick.ExpandWord(word, Variables("B=1", "PWD=/home", "V=*x", "W=`abc")).Value);

    [Fact]
    public void Backtick_escapes_a_blank_and_backslash_does_not() =>
        Assert.Equal([@"a\", "b", "c d"], Backtick.ExpandWords(@"a\ b c` d", Variables()).Values);

    [Fact]
    public void An_escaped_closing_quote_leaves_the_quote_open() =>
        Assert.Equal("unexpected end of statement while looking for matching double-quote", Reason(Backtick, "\"a`\""));
}
