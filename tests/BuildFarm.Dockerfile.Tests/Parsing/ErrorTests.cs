using BuildFarm.Dockerfile;
using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Parsing;

public sealed class ErrorTests
{
    [Fact]
    public void An_error_names_the_file_and_the_first_line_of_the_instruction()
    {
        var error = Assert.Throws<DockerfileException>(
            () => DockerfileParser.Parse("FROM a\n\nENV A=1 \\\n    B \\\n    C=3\nRUN x\n", "build/app.Dockerfile"));

        Assert.Equal("build/app.Dockerfile:3: Syntax error - can't find = in \"B\". Must be of the form: name=value", error.Message);
        Assert.Equal(new SourceLocation("build/app.Dockerfile", 3, 5), error.Location);
        Assert.Equal("Syntax error - can't find = in \"B\". Must be of the form: name=value", error.Reason);
    }

    [Fact]
    public void A_directive_error_names_the_directive_line()
    {
        var error = Assert.Throws<DockerfileException>(() => Parse.Text("# syntax=a\n# escape=!\nFROM a\n"));

        Assert.Equal(new SourceLocation("Dockerfile", 2, 2), error.Location);
    }

    [Fact]
    public void The_errors_of_the_exec_form_point_at_the_instruction()
    {
        Assert.Equal(
            "Dockerfile:4: when using JSON array syntax, arrays must be comprised of strings only",
            Parse.Error("FROM a\n# comment\n\nCMD [\"a\", [\"nested\"]]\n"));
    }

    [Theory]
    [InlineData("", "Dockerfile:1: file with no instructions")]
    [InlineData("\n\n", "Dockerfile:2: file with no instructions")]
    [InlineData("# only\n# comments", "Dockerfile:2: file with no instructions")]
    [InlineData("# escape=`\n", "Dockerfile:1: file with no instructions")]
    [InlineData("   \n\t\n", "Dockerfile:2: file with no instructions")]
    public void A_file_without_instructions_is_an_error_at_its_last_line(string dockerfile, string message)
    {
        Assert.Equal(message, Parse.Error(dockerfile));
    }

    [Fact]
    public void A_stream_is_parsed_like_the_same_text()
    {
        const string text = "FROM a\nRUN b \\\n c\n";
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));

        var fromStream = DockerfileParser.Parse(stream, "Dockerfile");

        Assert.Equal("(from \"a\")\n(run \"b  c\")\n", ParseTreePrinter.Print(fromStream));
        Assert.Equal(Parse.Text(text).Instructions.Select(i => i.Location), fromStream.Instructions.Select(i => i.Location));
    }
}
