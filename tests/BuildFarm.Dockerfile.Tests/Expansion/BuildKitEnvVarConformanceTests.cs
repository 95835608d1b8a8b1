using BuildFarm.Dockerfile.Expansion;

namespace BuildFarm.Dockerfile.Tests.Expansion;

/// <summary>
/// Every row of BuildKit's envVarTest, run as BuildKit's TestShellParser4EnvVars runs it:
/// <c>ProcessWord</c> with the <c>\</c> escape against PWD=/home, SHELL=bash, KOREAN=한국어 and
/// an empty NULL. BuildKit only asserts that an <c>error</c> row fails; here each one must also
/// fail with its exact reason.
/// </summary>
public sealed class BuildKitEnvVarConformanceTests
{
    private static readonly string[] Environment = ["PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL="];

    private const string SingleQuote = "unexpected end of statement while looking for matching single-quote";
    private const string DoubleQuote = "unexpected end of statement while looking for matching double-quote";
    private const string BadSubstitution = "syntax error: bad substitution";
    private const string MissingBrace = "syntax error: missing '}'";

    /// <summary>
    /// The reason each error row fails with, worked out from BuildKit's lexer. The rows ending in
    /// <c>${PWD</c> and <c>${aaa</c> are where this expander words the error differently (see
    /// <see cref="ShellWordExpander"/>): BuildKit says "unsupported modifier (\uFFFD) in substitution".
    /// </summary>
    private static readonly Dictionary<string, string> ErrorReasons = new(StringComparer.Ordinal)
    {
        ["he'llo"] = SingleQuote,
        [@"he\\'llo"] = SingleQuote,
        ["\"hello"] = DoubleQuote,
        ["\"hello\\\""] = DoubleQuote,
        ["'hello"] = SingleQuote,
        ["${}"] = BadSubstitution,
        ["${}aaa"] = BadSubstitution,
        ["he${}"] = BadSubstitution,
        ["he${}xx"] = BadSubstitution,
        ["he${.}"] = "unsupported modifier (.) in substitution",
        ["he${XXX:YYY}"] = "unsupported modifier (:Y) in substitution",
        ["he${XXX?}"] = "XXX: is not allowed to be unset",
        ["he${XXX:?}"] = "XXX: is not allowed to be unset",
        ["he${NULL:?}"] = "NULL: is not allowed to be empty",
        ["he${PWD"] = MissingBrace,
        ["he${PWD:=000}xx"] = "unsupported modifier (:=) in substitution",
        ["안'녕하세요"] = SingleQuote,
        [@"안\\'녕하세요"] = SingleQuote,
        [@"'안녕\t하세요"] = SingleQuote,
        ["\"안녕하세요"] = DoubleQuote,
        ["\"안녕하세요\\\""] = DoubleQuote,
        ["'안녕하세요"] = SingleQuote,
        ["안녕${}"] = BadSubstitution,
        ["안녕${}xx"] = BadSubstitution,
        ["안녕${.}"] = "unsupported modifier (.) in substitution",
        ["안녕${XXX:YYY}"] = "unsupported modifier (:Y) in substitution",
        ["안녕${PWD"] = MissingBrace,
        ["안녕${PWD:=000}xx"] = "unsupported modifier (:=) in substitution",
        ["${{aaa}"] = BadSubstitution,
        ["${aaa"] = MissingBrace,
        ["${{aaa:-bbb}"] = BadSubstitution,
        ["${aaa:-bbb"] = MissingBrace,
        ["${aaa:-bbb ${foo}"] = MissingBrace,
        ["${:}"] = BadSubstitution,
        ["${:-bbb}"] = BadSubstitution,
        ["${:+bbb}"] = BadSubstitution,
    };

    public static TheoryData<int, string, string> UnixRows() => Rows('A', 'U');

    /// <summary>
    /// The W rows (lines 25 and 90, <c>he$pwd.</c> giving <c>he/home.</c>) test that Windows
    /// variable names ignore case; BuildKit runs them with the <c>\</c> escape like all others,
    /// and none of them involves an escape, so none applies to the backtick escape. They run
    /// here as they test: <c>\</c> escape, case-insensitive names.
    /// </summary>
    public static TheoryData<int, string, string> WindowsOnlyRows() => Rows('W');

    [Theory]
    [MemberData(nameof(UnixRows))]
    public void Row_expands_as_in_BuildKit_on_Unix(int line, string source, string expected) =>
        AssertRow(line, source, expected, DictionaryVariableLookup.FromEnvironment(Environment));

    [Theory]
    [MemberData(nameof(WindowsOnlyRows))]
    public void Windows_row_expands_as_in_BuildKit_with_case_insensitive_names(int line, string source, string expected) =>
        AssertRow(line, source, expected, DictionaryVariableLookup.FromEnvironment(Environment, StringComparer.OrdinalIgnoreCase));

    [Fact]
    public void The_file_has_the_rows_this_suite_was_written_for()
    {
        var rows = BuildKitShellTestFiles.EnvVarRows().ToList();
        Assert.Equal(226, rows.Count(row => row.Platform == 'A'));
        Assert.Equal(2, rows.Count(row => row.Platform == 'U'));
        Assert.Equal(2, rows.Count(row => row.Platform == 'W'));
        Assert.Equal(ErrorReasons.Keys.Order(StringComparer.Ordinal), rows.Where(row => row.Expected == "error").Select(row => row.Source).Order(StringComparer.Ordinal));
    }

    private static void AssertRow(int line, string source, string expected, IVariableLookup variables)
    {
        var expander = new ShellWordExpander('\\');
        if (expected != "error")
        {
            Assert.Equal(expected, expander.ExpandWord(source, variables).Value);
            return;
        }

        var error = Assert.Throws<WordExpansionException>(() => expander.ExpandWord(source, variables));
        Assert.Equal(source, error.Word);
        Assert.True(ErrorReasons.TryGetValue(source, out var reason), $"envVarTest:{line}: no expected reason for {source}");
        Assert.Equal(reason, error.Reason);
    }

    private static TheoryData<int, string, string> Rows(params char[] platforms)
    {
        var data = new TheoryData<int, string, string>();
        foreach (var row in BuildKitShellTestFiles.EnvVarRows().Where(row => platforms.Contains(row.Platform)))
        {
            data.Add(row.Line, row.Source, row.Expected);
        }

        return data;
    }
}
