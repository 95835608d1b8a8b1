namespace BuildFarm.Dockerfile.Tests.Expansion;

/// <summary>
/// Reads BuildKit's shell conformance files (TestData/buildkit/shell) the way its lex_test.go
/// does, so that every row becomes one test case.
/// </summary>
internal static class BuildKitShellTestFiles
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "TestData", "buildkit", "shell");

    /// <summary>
    /// envVarTest: <c>platform|source|expected</c>, each part trimmed; lines starting with # and
    /// blank lines are skipped. Platform A is for all, U for Unix, W for Windows.
    /// </summary>
    public static IEnumerable<EnvVarRow> EnvVarRows()
    {
        foreach (var (number, text) in Lines("envVarTest"))
        {
            if (text.StartsWith('#') || text.Trim().Length == 0)
            {
                continue;
            }

            var parts = text.Trim().Split('|');
            if (parts.Length != 3 || parts[0].Trim() is not ("A" or "U" or "W"))
            {
                throw new InvalidDataException($"envVarTest:{number}: expected 'A|U|W | source | expected', got '{text}'");
            }

            yield return new EnvVarRow(number, parts[0].Trim()[0], parts[1].Trim(), parts[2].Trim());
        }
    }

    /// <summary>
    /// wordsTest: <c>ENV name=value</c> lines add to the environment of the rows after them;
    /// other rows are <c>input | word,word,...</c> with the input trimmed and the expected list
    /// only left-trimmed (trailing blanks belong to the last word). The single word <c>error</c>
    /// means expansion fails.
    /// </summary>
    public static IEnumerable<WordsRow> WordsRows()
    {
        var environment = new List<string>();
        foreach (var (number, text) in Lines("wordsTest"))
        {
            if (text.StartsWith('#'))
            {
                continue;
            }

            if (text.StartsWith("ENV ", StringComparison.Ordinal))
            {
                environment.Add(text[3..].TrimStart(' '));
                continue;
            }

            var parts = text.Split('|');
            if (parts.Length != 2)
            {
                throw new InvalidDataException($"wordsTest:{number}: expected exactly one '|', got '{text}'");
            }

            yield return new WordsRow(number, parts[0].Trim(), [.. environment], parts[1].TrimStart(' ').Split(','));
        }
    }

    // Lines as Go's bufio.Scanner gives them: split at \n, a trailing \r dropped, no empty last line.
    private static IEnumerable<(int Number, string Text)> Lines(string fileName)
    {
        var lines = File.ReadAllText(Path.Combine(Directory, fileName)).Split('\n');
        var count = lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        for (var index = 0; index < count; index++)
        {
            yield return (index + 1, lines[index].TrimEnd('\r'));
        }
    }

    internal sealed record EnvVarRow(int Line, char Platform, string Source, string Expected);

    internal sealed record WordsRow(int Line, string Input, string[] Environment, string[] Expected);
}
