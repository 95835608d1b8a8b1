using BuildFarm.Dockerfile.Expansion;

namespace BuildFarm.Dockerfile.Tests.Expansion;

/// <summary>
/// Every row of BuildKit's wordsTest, run as TestShellParser4Words runs it: <c>ProcessWords</c>
/// with the <c>\</c> escape against the ENV lines above the row. (BuildKit's test means to run
/// the file a second time with RawQuotes and SkipUnsetEnv, but reads it from the already
/// consumed file, so that pass checks nothing; those options are tested in
/// <see cref="ExpanderOptionsTests"/>.)
/// </summary>
public sealed class BuildKitWordsConformanceTests
{
    public static TheoryData<int, string, string[], string[]> Rows()
    {
        var data = new TheoryData<int, string, string[], string[]>();
        foreach (var row in BuildKitShellTestFiles.WordsRows())
        {
            data.Add(row.Line, row.Input, row.Environment, row.Expected);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Row_splits_as_in_BuildKit(int line, string input, string[] environment, string[] expected)
    {
        var expander = new ShellWordExpander('\\');
        var variables = DictionaryVariableLookup.FromEnvironment(environment);
        if (expected is ["error"])
        {
            var error = Assert.Throws<WordExpansionException>(() => expander.ExpandWords(input, variables));
            Assert.Equal("unexpected end of statement while looking for matching double-quote", error.Reason);
            return;
        }

        var actual = expander.ExpandWords(input, variables).Values;
        Assert.True(expected.SequenceEqual(actual), $"wordsTest:{line}: [{string.Join('|', actual)}], expected [{string.Join('|', expected)}]");
    }

    [Fact]
    public void The_file_has_the_rows_this_suite_was_written_for()
    {
        var rows = BuildKitShellTestFiles.WordsRows().ToList();
        Assert.Equal(24, rows.Count);
        Assert.Single(rows, row => row.Expected is ["error"]);
        Assert.Equal(["hi=hi", "space=abc  def", "leading=  ab c", "trailing=ab c   "], rows[^1].Environment);
    }
}
