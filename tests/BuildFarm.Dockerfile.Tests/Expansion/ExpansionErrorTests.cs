using BuildFarm.Dockerfile.Expansion;
using static BuildFarm.Dockerfile.Tests.Expansion.ExpansionAssert;

namespace BuildFarm.Dockerfile.Tests.Expansion;

/// <summary>Malformed words fail with BuildKit's message, naming the word as Go's %q prints it.</summary>
public sealed class ExpansionErrorTests
{
    public static TheoryData<string, string> Messages() => new()
    {
        // word, whole message
        { "he${XXX:?}", "failed to process \"he${XXX:?}\": XXX: is not allowed to be unset" },
        { "x\"y", "failed to process \"x\\\"y\": unexpected end of statement while looking for matching double-quote" },
        { @"\\'", @"failed to process ""\\\\'"": unexpected end of statement while looking for matching single-quote" },
        { "'a\tb\n", "failed to process \"'a\\tb\\n\": unexpected end of statement while looking for matching single-quote" },
        { "\u0001\u007f'", "failed to process \"\\x01\\x7f'\": unexpected end of statement while looking for matching single-quote" },
        { "\u00a0\u200b'", "failed to process \"\\u00a0\\u200b'\": unexpected end of statement while looking for matching single-quote" },
        { "😀한\U000E0001'", "failed to process \"😀한\\U000e0001'\": unexpected end of statement while looking for matching single-quote" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Message_names_the_word_and_the_reason(string word, string message) =>
        Assert.Equal(message, Assert.Throws<WordExpansionException>(() => Backslash.ExpandWord(word, Variables())).Message);

    public static TheoryData<string, string> Reasons() => new()
    {
        // word, reason
        { "${", "syntax error: missing '}'" },
        { "${a", "syntax error: missing '}'" },
        { "${a:", "syntax error: missing '}'" },
        { "${a:-x", "syntax error: missing '}'" },
        { "${a:-\\", "syntax error: missing '}'" },
        { "${a:}", "syntax error: missing '}'" },
        { "${a/x", "syntax error: missing '/' in ${}" },
        { "${a/x/y", "syntax error: missing '}'" },
        // Whatever fails when the text has run out inside a ${...} is reported as that ${...}
        // not being closed, the outermost one first.
        { "${a:-\"x}", "syntax error: missing '}'" },
        { "${a:-'x}", "syntax error: missing '}'" },
        { "${a:-${b?}", "syntax error: missing '}'" },
        { "${a/${b?}", "syntax error: missing '/' in ${}" },
        { "\"${a:-x", "syntax error: missing '}'" },
        // Otherwise the failure itself is reported.
        { "${a:-${b?}}", "b: is not allowed to be unset" },
        { "${a:-${b?}}}", "b: is not allowed to be unset" },
        { "${a:-${}}", "syntax error: bad substitution" },
        { "${a b}", "unsupported modifier ( ) in substitution" },
        { "${a:}b}", "unsupported modifier (:}) in substitution" },
        { "${a😀}", "unsupported modifier (😀) in substitution" },
        { "${a.b}", "unsupported modifier (.) in substitution" },
        { "\"$a", "unexpected end of statement while looking for matching double-quote" },
        { "\"\\", "unexpected end of statement while looking for matching double-quote" },
        { "'", "unexpected end of statement while looking for matching single-quote" },
    };

    [Theory]
    [MemberData(nameof(Reasons))]
    public void Fails_with_BuildKits_reason(string word, string reason) =>
        Assert.Equal(reason, Reason(Backslash, word));

    [Fact]
    public void Splitting_fails_as_expanding_does() =>
        Assert.Equal(
            "failed to process \"a ${b\": syntax error: missing '}'",
            Assert.Throws<WordExpansionException>(() => Backslash.ExpandWords("a ${b", Variables())).Message);
}
