using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Parsing;

public sealed class ContinuationTests
{
    [Fact]
    public void Backslash_joins_lines_keeping_the_indentation_of_the_next()
    {
        var parsed = Parse.Text("FROM a\nRUN echo a \\\n    b\\\n\tc\n");

        Assert.Equal("(from \"a\")\n(run \"echo a     b\\tc\")\n", ParseTreePrinter.Print(parsed));
        Assert.Equal("RUN echo a     b\tc", parsed.Instructions[1].Original);
        Assert.Equal(new SourceLocation("Dockerfile", 2, 4), parsed.Instructions[1].Location);
    }

    [Fact]
    public void Backtick_continues_lines_when_it_is_the_escape_token_and_backslash_is_then_plain()
    {
        Assert.Equal(
            "(from \"a\")\n(run \"dir c:\\\\   /w\")\n(run \"x\\\\\")\n(run \"y\")\n",
            Parse.Tree("# escape=`\nFROM a\nRUN dir c:\\ `\n  /w\nRUN x\\\nRUN y\n"));
    }

    [Fact]
    public void Spaces_and_tabs_may_follow_the_continuation()
    {
        Assert.Equal("(run \"a b\")\n", Parse.Tree("RUN a \\ \t \nb\n"));
    }

    [Fact]
    public void An_escaped_escape_at_the_end_does_not_continue()
    {
        Assert.Equal("(run \"a\\\\\\\\\")\n(run \"b\")\n", Parse.Tree("RUN a\\\\\nRUN b\n"));
    }

    [Fact]
    public void A_line_that_is_only_the_escape_continues_without_adding_anything()
    {
        Assert.Equal("(env \"E\" \"helloworld\" \"\")\n", Parse.Tree("ENV E hello\\\n\\\nworld\n"));
    }

    [Fact]
    public void Comment_lines_inside_a_continuation_are_skipped_without_a_warning()
    {
        var parsed = Parse.Text("RUN a \\\n# comment \\\n    # indented comment\n  b\n");

        Assert.Equal("(run \"a   b\")\n", ParseTreePrinter.Print(parsed));
        Assert.Empty(parsed.Warnings);
        Assert.Equal(new SourceLocation("Dockerfile", 1, 4), parsed.Instructions[0].Location);
    }

    [Fact]
    public void Empty_continuation_lines_are_skipped_with_a_warning_on_the_last_line()
    {
        var parsed = Parse.Text("FROM a\nRUN a \\\n\n  b \\\n \t\n  c\nRUN d\n");

        Assert.Equal("(from \"a\")\n(run \"a   b   c\")\n(run \"d\")\n", ParseTreePrinter.Print(parsed));
        var warning = Assert.Single(parsed.Warnings);
        Assert.Equal(
            new ParseWarning(
                "Empty continuation line found in: RUN a   b   c",
                "Empty continuation lines will become errors in a future release",
                "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/",
                new SourceLocation("Dockerfile", 6, 6)),
            warning);
    }

    [Fact]
    public void A_continuation_at_the_end_of_the_file_ends_the_instruction()
    {
        Assert.Equal("(from \"a\")\n(run \"b\")\n", Parse.Tree("FROM a\nRUN b \\"));
        Assert.Equal("(from \"a\")\n(run \"b\")\n", Parse.Tree("FROM a\nRUN b \\\n"));
    }

    [Fact]
    public void Windows_line_endings_are_removed_before_continuations_are_seen()
    {
        var parsed = Parse.Text("FROM a\r\nRUN a \\\r\n  b\r\n");

        Assert.Equal("(from \"a\")\n(run \"a   b\")\n", ParseTreePrinter.Print(parsed));
    }

    [Fact]
    public void Comments_and_blank_lines_between_instructions_are_not_instructions()
    {
        var parsed = Parse.Text("\n  \n# one\n   # two\nFROM a\n\n# three\nRUN b\n");

        Assert.Equal(
            [new SourceLocation("Dockerfile", 5, 5), new SourceLocation("Dockerfile", 8, 8)],
            parsed.Instructions.Select(i => i.Location));
    }
}
