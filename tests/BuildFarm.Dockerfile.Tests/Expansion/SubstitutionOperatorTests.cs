using BuildFarm.Dockerfile.Expansion;
using static BuildFarm.Dockerfile.Tests.Expansion.ExpansionAssert;

namespace BuildFarm.Dockerfile.Tests.Expansion;

/// <summary>
/// The ${...} operators, with the cases of BuildKit's TestProcessWithMatches and
/// TestShellParserMandatoryEnvVars: exact value, and exactly which names were looked up and
/// which of them were unset.
/// </summary>
public sealed class SubstitutionOperatorTests
{
    public static TheoryData<string, string[], string, string[], string[]> Expansions() => new()
    {
        // word, environment, value, referenced, unset
        { "x", ["DUMMY=dummy"], "x", [], [] },
        { "x ${UNUSED}", ["DUMMY=dummy"], "x ", ["UNUSED"], ["UNUSED"] },
        { "x ${FOO}", ["FOO=y"], "x y", ["FOO"], [] },
        { "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", ["FOO=xxx", "BAR="], "xxx  ccc", ["FOO", "BAR", "BAZ"], ["BAZ"] },
        { "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", ["FOO=xxx", "BAR="], "xxx bbb ccc", ["FOO", "BAR", "BAZ"], ["BAZ"] },
        { "${FOO:-}", ["FOO=xxx", "BAR="], "xxx", ["FOO"], [] },
        { "${FOO:-}", [], "", ["FOO"], ["FOO"] },
        { "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", ["FOO=xxx", "BAR="], "aaa bbb ", ["FOO", "BAR", "BAZ"], ["BAZ"] },
        { "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", ["FOO=xxx", "BAR="], "aaa  ", ["FOO", "BAR", "BAZ"], ["BAZ"] },
        { "${FOO?aaa}", ["FOO=xxx", "BAR="], "xxx", ["FOO"], [] },
        { "${BAR?bbb}", ["FOO=xxx", "BAR="], "", ["BAR"], [] },
        { "${FOO:?aaa}", ["FOO=xxx", "BAR="], "xxx", ["FOO"], [] },
        // } must be escaped so as not to close the ${...}; regular-expression characters are literal.
        { @"${FOO#()[]{\}^$.\*\?|\\}", [@"FOO=()[]{}^$.*?|\x"], "x", ["FOO"], [] },
        { @"${FOO%%\**}", ["FOO=xx**"], "xx", ["FOO"], [] },
        { "${FOO#*x*y}", ["FOO=xxyy"], "y", ["FOO"], [] },
        { "${FOO#*}", ["FOO=xxyy"], "xxyy", ["FOO"], [] },
        { "${FOO#$BAR}", ["FOO=xxyy", "BAR=x"], "xyy", ["FOO", "BAR"], [] },
        { "${FOO#$BAR}", ["FOO=xxyy", "BAR="], "xxyy", ["FOO", "BAR"], [] },
        { "${FOO#}", ["FOO=xxyy"], "xxyy", ["FOO"], [] },
        { "${FOO##*x}", ["FOO=xxyy"], "yy", ["FOO"], [] },
        { "${FOO##}", ["FOO=xxyy"], "xxyy", ["FOO"], [] },
        { @"${FOO#?\?}", ["FOO=???y"], "?y", ["FOO"], [] },
        { "${ABC:-.}${FOO%x}${ABC:-.}", ["FOO=xxyy"], ".xxyy.", ["FOO", "ABC"], ["ABC"] },
        { @"${FOO%%\**\*}", ["FOO=a***yy*"], "a", ["FOO"], [] },
        { "${FOO%}", ["FOO=xxyy"], "xxyy", ["FOO"], [] },
        { "${FOO%%$BAR}", ["FOO=xxyy", "BAR="], "xxyy", ["FOO", "BAR"], [] },
        { "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", ["FOO=/foo*/*/*.txt", @"NEEDLE=\*/"], "/foo.*/*.txt - /foo..*.txt", ["FOO", "NEEDLE"], [] },
        { "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", ["FOO=/tmp/tmp/bar.txt", "NEEDLE=/tmp"], "/tmp/bar.txt - /bar.txt", ["FOO", "NEEDLE"], [] },
        { "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}", ["FOO=/a/foo/b/c.txt", "NEEDLE=/?/", "REPLACEMENT=/"], "/foo/b/c.txt - /foo/c.txt", ["FOO", "NEEDLE", "REPLACEMENT"], [] },
        { "${FOO/$NEEDLE/$REPLACEMENT}", ["FOO=http://google.de", "NEEDLE=http://", "REPLACEMENT=https://"], "https://google.de", ["FOO", "NEEDLE", "REPLACEMENT"], [] },
        // Escaped separators: the pattern drops the escape, the replacement keeps it.
        { @"${FOO//\//\/}", ["FOO=/tmp/foo.txt"], @"\/tmp\/foo.txt", ["FOO"], [] },
        { "${FOO/$BAR/ww}", ["FOO=xxyy", "BAR="], "wwxxyy", ["FOO", "BAR"], [] },
        { "${FOO///}", ["FOO=xxyy"], "xxyy", ["FOO"], [] },
        { "${FOO///}", [], "", ["FOO"], ["FOO"] },
        // The operand is expanded (and its names looked up) whether or not it is used.
        { "${A:-${B:-${C}}}", ["A=a"], "a", ["A", "B", "C"], ["B", "C"] },
        { "${A:+${B}}", [], "", ["A", "B"], ["A", "B"] },
        // The release file name BuildKit's TestProcessWithMatchesPlatform builds.
        { "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
            ["VERSION=v1.2.3", "TARGETOS=linux", "TARGETARCH=arm", "TARGETVARIANT=v7"], "something-v1.2.3.linux-arm-v7.tar.gz",
            ["VERSION", "TARGETOS", "TARGETARCH", "TARGETVARIANT"], [] },
        { "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
            ["VERSION=v1.2.3", "TARGETOS=linux", "TARGETARCH=arm64", "TARGETVARIANT="], "something-v1.2.3.linux-arm64.tar.gz",
            ["VERSION", "TARGETOS", "TARGETARCH", "TARGETVARIANT"], [] },
        { "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
            ["VERSION=v1.2.3", "TARGETOS=linux", "TARGETARCH=arm64"], "something-v1.2.3.linux-arm64.tar.gz",
            ["VERSION", "TARGETOS", "TARGETARCH", "TARGETVARIANT"], ["TARGETVARIANT"] },
        // ? passes a set value, empty or not, through.
        { "${VAR:?message here$ARG}", ["VAR=plain", "ARG=x"], "plain", ["VAR", "ARG"], [] },
        { "${VAR?message here$ARG}", ["VAR=plain", "ARG=x"], "plain", ["VAR", "ARG"], [] },
        { "${VAR?message here$ARG}", ["VAR=", "ARG=x"], "", ["VAR", "ARG"], [] },
    };

    [Theory]
    [MemberData(nameof(Expansions))]
    public void Expands_and_reports_the_names_it_looked_up(string word, string[] environment, string value, string[] referenced, string[] unset)
    {
        var result = Backslash.ExpandWord(word, Variables(environment));

        Assert.Equal(value, result.Value);
        Names(referenced, result.Referenced);
        Names(unset, result.Unset);
    }

    public static TheoryData<string, string[], string> Failures() => new()
    {
        // word, environment, reason
        { "${BAZ?ccc}", ["FOO=xxx", "BAR="], "BAZ: ccc" },
        { "${BAR:?bbb}", ["FOO=xxx", "BAR="], "BAR: bbb" },
        { "${BAZ:?ccc}", ["FOO=xxx", "BAR="], "BAZ: ccc" },
        { "${BAZ:?}", ["FOO=xxx", "BAR="], "BAZ: is not allowed to be unset" },
        { "${BAR:?}", ["BAR="], "BAR: is not allowed to be empty" },
        { "${BAR?}", [], "BAR: is not allowed to be unset" },
        { "${VAR:?message here$ARG}", ["VAR=", "ARG=x"], "VAR: message herex" },
        { "${VAR:?message here$ARG}", ["ARG=x"], "VAR: message herex" },
        { "${VAR?message here$ARG}", ["ARG=x"], "VAR: message herex" },
        // = is no operator in BuildKit: a Dockerfile cannot assign while expanding.
        { "${FOO=aaa}", ["FOO=xxx"], "unsupported modifier (=) in substitution" },
        { "${FOO=:aaa}", ["FOO=xxx"], "unsupported modifier (=) in substitution" },
        { "${FOO=}", [], "unsupported modifier (=) in substitution" },
        { "${FOO:=x}", [], "unsupported modifier (:=) in substitution" },
        // Patterns take no colon.
        { "${FOO:#}", [], "unsupported modifier (:#) in substitution" },
        { "${FOO:##}", [], "unsupported modifier (:#) in substitution" },
        { "${FOO:%}", [], "unsupported modifier (:%) in substitution" },
        { "${FOO:%%}", [], "unsupported modifier (:%) in substitution" },
        { "${FOO//ww}", ["FOO=xxyy"], "syntax error: missing '/' in ${}" },
        { "${FOO//}", ["FOO=xxyy"], "syntax error: missing '/' in ${}" },
        { "${FOO/a}", ["FOO=xxyy"], "syntax error: missing '/' in ${}" },
        { "${FOO/a/b", ["FOO=xxyy"], "syntax error: missing '}'" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Fails_with_BuildKits_reason(string word, string[] environment, string reason) =>
        Assert.Equal(reason, Reason(Backslash, word, environment));
}
