namespace BuildFarm.Cli.Tests;

public sealed class DebugParseCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("farm-debug-parse-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Prints_the_parse_tree_of_the_given_file()
    {
        var path = Write("app.Dockerfile", "# escape=`\nFROM alpine:3.20 AS base\nCOPY --chown=app [\"a b\", \"/c\"]\nENV PATH=/x:$PATH `\n    LANG=C\nONBUILD RUN make\n");

        var result = await FarmRunner.RunAsync("debug", "parse", "-f", path);

        var tree =
            "(from \"alpine:3.20\" \"AS\" \"base\")\n" +
            "(copy [\"--chown=app\"] \"a b\" \"/c\")\n" +
            "(env \"PATH\" \"/x:$PATH\" \"=\" \"LANG\" \"C\" \"=\")\n" +
            "(onbuild (run \"make\"))\n";
        Assert.Equal(new FarmResult(0, tree, ""), result);
    }

    [Theory]
    [InlineData("FROM a\n\nENV ONLYNAME\n", "3: ENV must have two arguments")]
    [InlineData("FROM a\nRUN <<EOF\necho hi\n", "2: unterminated heredoc")]
    [InlineData("# only a comment\n", "1: file with no instructions")]
    public async Task A_parse_error_goes_to_standard_error_with_file_and_line(string dockerfile, string lineAndReason)
    {
        var path = Write("Dockerfile", dockerfile);

        var result = await FarmRunner.RunAsync("debug", "parse", "--file", path);

        Assert.Equal(new FarmResult(1, "", $"{path}:{lineAndReason}{Environment.NewLine}"), result);
    }

    [Fact]
    public async Task Warnings_go_to_standard_error_and_the_tree_is_still_printed()
    {
        var path = Write("Dockerfile", "FROM a\nRUN a \\\n\n  b\n");

        var result = await FarmRunner.RunAsync("debug", "parse", "-f", path);

        Assert.Equal(
            new FarmResult(
                0,
                "(from \"a\")\n(run \"a   b\")\n",
                $"{path}:4: warning: Empty continuation line found in: RUN a   b{Environment.NewLine}"),
            result);
    }

    [Fact]
    public async Task A_missing_file_is_a_clear_error()
    {
        var path = Path.Combine(_directory, "nope", "Dockerfile");

        var result = await FarmRunner.RunAsync("debug", "parse", "-f", path);

        Assert.Equal(new FarmResult(1, "", $"{path}: cannot read the Dockerfile: no such file{Environment.NewLine}"), result);
    }

    [Fact]
    public async Task A_directory_is_a_clear_error()
    {
        var result = await FarmRunner.RunAsync("debug", "parse", "-f", _directory);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"{_directory}: cannot read the Dockerfile: ", result.Error, StringComparison.Ordinal);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}

/// <summary>Tests that change the process's current directory run alone.</summary>
[CollectionDefinition(nameof(CurrentDirectoryCollection), DisableParallelization = true)]
public sealed class CurrentDirectoryCollection;

[Collection(nameof(CurrentDirectoryCollection))]
public sealed class DebugParseDefaultFileTests
{
    [Fact]
    public async Task Without_a_file_it_reads_Dockerfile_in_the_current_directory()
    {
        var directory = Directory.CreateTempSubdirectory("farm-debug-parse-cwd-").FullName;
        var previous = Environment.CurrentDirectory;
        try
        {
            File.WriteAllText(Path.Combine(directory, "Dockerfile"), "FROM scratch\nCMD [\"/app\"]\n");
            Environment.CurrentDirectory = directory;

            var result = await FarmRunner.RunAsync("debug", "parse");

            Assert.Equal(new FarmResult(0, "(from \"scratch\")\n(cmd \"/app\")\n", ""), result);

            File.Delete(Path.Combine(directory, "Dockerfile"));
            var missing = await FarmRunner.RunAsync("debug", "parse");
            Assert.Equal(new FarmResult(1, "", $"Dockerfile: cannot read the Dockerfile: no such file{Environment.NewLine}"), missing);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            Directory.Delete(directory, recursive: true);
        }
    }
}
