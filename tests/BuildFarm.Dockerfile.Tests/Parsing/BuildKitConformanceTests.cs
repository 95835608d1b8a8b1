using BuildFarm.Dockerfile;
using System.Text;
using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Parsing;

/// <summary>
/// BuildKit's own parser test files: every case must dump exactly to its <c>result</c> (compared
/// byte for byte; BuildKit's test normalizes only CRLF, and only on Windows), every negative case
/// must fail with the exact message.
/// </summary>
public sealed class BuildKitConformanceTests
{
    private static readonly string ParserData = Path.Combine(AppContext.BaseDirectory, "TestData", "buildkit", "parser");

    private static readonly Dictionary<string, string> NegativeMessages = new()
    {
        ["empty_dockerfile"] = "Dockerfile:1: file with no instructions",
        ["env_no_value"] = "Dockerfile:3: ENV must have two arguments",
        ["only_comments"] = "Dockerfile:3: file with no instructions",
        ["shykes-nested-json"] = "Dockerfile:1: when using JSON array syntax, arrays must be comprised of strings only",
    };

    public static TheoryData<string> Cases() => new(CaseNames("cases"));

    public static TheoryData<string> NegativeCases() => new(CaseNames("negative"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case_dumps_exactly_to_its_result(string name)
    {
        var directory = Path.Combine(ParserData, "cases", name);
        using var dockerfile = File.OpenRead(Path.Combine(directory, "Dockerfile"));

        var parsed = DockerfileParser.Parse(dockerfile, "Dockerfile");

        var expected = File.ReadAllBytes(Path.Combine(directory, "result"));
        var actual = Encoding.UTF8.GetBytes(ParseTreePrinter.Print(parsed));
        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(NegativeCases))]
    public void Negative_case_fails_with_its_message(string name)
    {
        using var dockerfile = File.OpenRead(Path.Combine(ParserData, "negative", name, "Dockerfile"));

        var error = Assert.Throws<DockerfileException>(() => DockerfileParser.Parse(dockerfile, "Dockerfile"));

        Assert.True(NegativeMessages.TryGetValue(name, out var message), $"no expected message for negative case {name}");
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void All_vendored_cases_are_found()
    {
        // Guards the theories above against silently running on an empty directory.
        Assert.Equal(33, CaseNames("cases").Length);
        Assert.Equal(NegativeMessages.Keys.Order(StringComparer.Ordinal), CaseNames("negative"));
    }

    [Fact]
    public void Instruction_lines_match_BuildKits_line_numbers_test()
    {
        using var dockerfile = File.OpenRead(Path.Combine(ParserData, "testfile-line", "Dockerfile"));

        var parsed = DockerfileParser.Parse(dockerfile, "Dockerfile");

        Assert.Equal(
            [(5, 5), (11, 12), (17, 31)],
            parsed.Instructions.Select(i => (i.Location.StartLine, i.Location.EndLine)));
    }

    private static string[] CaseNames(string folder) =>
        [.. Directory.GetDirectories(Path.Combine(ParserData, folder)).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];
}
