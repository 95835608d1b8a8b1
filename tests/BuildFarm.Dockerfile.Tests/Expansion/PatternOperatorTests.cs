using static BuildFarm.Dockerfile.Tests.Expansion.ExpansionAssert;

namespace BuildFarm.Dockerfile.Tests.Expansion;

/// <summary>
/// Shell patterns in #, ##, %, %%, / and //, as BuildKit matches them (it translates them to Go
/// regular expressions), including the corners where that differs from a POSIX shell.
/// </summary>
public sealed class PatternOperatorTests
{
    public static TheoryData<string, string[], string> Expansions() => new()
    {
        // word, environment, value
        { "${V#*/}", ["V=a/b/c"], "b/c" },
        { "${V##*/}", ["V=a/b/c"], "c" },
        { "${V%/*}", ["V=a/b/c"], "a/b" },
        { "${V%%/*}", ["V=a/b/c"], "a" },
        { "${V#??}", ["V=abcd"], "cd" },
        { "${V%?}", ["V=abcd"], "abc" },
        { "${V#x}", ["V=abcd"], "abcd" },
        { "${V%%*}", ["V=abcd"], "" },
        { "${V#*}", ["V=abcd"], "abcd" },
        { "${V#a*c}", ["V=abcabc"], "abc" },
        { "${V##a*c}", ["V=abcabc"], "" },
        { "${V%b*}", ["V=abcabc"], "abca" },
        { "${V%%b*}", ["V=abcabc"], "a" },
        { "${UNSET#*}", [], "" },
        { "${UNSET%%x}", [], "" },
        // No bracket expressions in BuildKit: [ab] is three literal characters.
        { "${V#[ab]}", ["V=[ab]x"], "x" },
        { "${V#[ab]}", ["V=ax"], "ax" },
        // * and ? do not cross a newline (Go's "." does not match \n).
        { "${V#*/}", ["V=a\nb/c"], "a\nb/c" },
        { "${V#?}", ["V=\nx"], "\nx" },
        { "${V%%/*}", ["V=a/b\nc"], "a/b\nc" },
        // ? is one character, even outside the Basic Multilingual Plane.
        { "${V#?}", ["V=😀x"], "x" },
        { "${V%?}", ["V=x😀"], "x" },
        { "${V#한}", ["V=한국어"], "국어" },
        // A pattern that starts with the operator again asks for the longest match, even when
        // that operator came from a variable.
        { "${V#$P}", ["V=xaya", "P=#*a"], "" },
        { "${V#$P}", ["V=xaya", "P=*a"], "ya" },
        // Quotes in a pattern only group; what they quote is still a pattern.
        { "${V#\"*\"a}", ["V=xaya"], "ya" },
        // Replacement: leftmost match, longest from there; / once, // every match.
        { "${V/o/0}", ["V=foo"], "f0o" },
        { "${V//o/0}", ["V=foo"], "f00" },
        { "${V/x*/-}", ["V=axbxc"], "a-" },
        { "${V//?/x}", ["V=ab"], "xx" },
        { "${V/b*/}", ["V=abc\nabc"], "a\nabc" },
        { "${V//b*/}", ["V=abc\nabc"], "a\na" },
        { "${V/*/x}", [], "x" },
        { "${V//*/x}", ["V=ab"], "x" },
        { "${V//$E/-}", ["V=ab", "E="], "-a-b-" },
        { "${V/$E/-}", ["V=ab", "E="], "-ab" },
        { "${V//b/}", ["V=abba"], "aa" },
        { "${V/a\\/b/c}", ["V=xa/by"], "xcy" },
        { "${V/}x/y}", ["V=a}xb"], "ayb" },
        // Only //, which BuildKit runs through Go's ReplaceAllString, reads $ in the replacement
        // as a template: $0 is the match, $$ is $, other names are empty. / inserts it as is.
        { "${V//o/[$R]}", ["V=foo", "R=$0"], "f[o][o]" },
        { "${V/o/[$R]}", ["V=foo", "R=$0"], "f[$0]o" },
        { "${V//o/$R}", ["V=foo", "R=$$"], "f$$" },
        { "${V//o/$R}", ["V=foo", "R=${0}|$1|$x|${"], "fo|||${o|||${" },
        { "${V//o/\\$x}", ["V=foo"], "f\\\\" },
    };

    [Theory]
    [MemberData(nameof(Expansions))]
    public void Matches_as_BuildKit_does(string word, string[] environment, string value) =>
        Assert.Equal(value, Backslash.ExpandWord(word, Variables(environment)).Value);

    public static TheoryData<string, string[], string> Failures() => new()
    {
        // Only *, ? and \ may be escaped in a pattern; } and / lose their escape.
        { @"${V#\q}", ["V=x"], @"invalid pattern (\q) in substitution: invalid escape '\q'" },
        { @"${V/\q/x}", ["V=x"], @"invalid pattern (\q) in substitution: invalid escape '\q'" },
        { @"${V//\q/x}", [], @"invalid pattern (\q) in substitution: invalid escape '\q'" },
        // A suffix is searched with the pattern reversed, escapes kept in order: so it is reported.
        { @"${V%a\q}", ["V=x"], @"invalid pattern (\qa) in substitution: invalid escape '\q'" },
        // A # that is escaped does not ask for the longest match, and is no valid escape.
        { @"${V#\#x}", ["V=x"], @"invalid pattern (\#x) in substitution: invalid escape '\#'" },
        // A pattern can end in \ only through a variable; Go shows the missing character as U+FFFD.
        { "${V#$P}", ["V=x", @"P=\"], "invalid pattern (\\) in substitution: invalid escape '\\\uFFFD'" },
        { "${V%$P}", ["V=x", @"P=ab\"], @"invalid pattern (\ba) in substitution: invalid escape '\b'" },
        { "${V#$P}", ["V=x", @"P=\\\"], "invalid pattern (\\\\\\) in substitution: invalid escape '\\\uFFFD'" },
        { "${V%$P}", ["V=x", @"P=\\\ab"], @"invalid pattern (b\a\\) in substitution: invalid escape '\a'" },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Rejects_invalid_patterns_with_BuildKits_reason(string word, string[] environment, string reason) =>
        Assert.Equal(reason, Reason(Backslash, word, environment));
}
