using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Parsing;

public sealed class DirectiveTests
{
    [Fact]
    public void Directives_are_read_with_names_in_any_case_and_values_trimmed()
    {
        var parsed = Parse.Text("# SYNTAX = docker/dockerfile:1.7 // opts\n#Escape=`\n# check = skip=all \t\nFROM a\n");

        Assert.Equal(
            [
                new ParserDirective("syntax", "docker/dockerfile:1.7 // opts", new SourceLocation("Dockerfile", 1, 1)),
                new ParserDirective("escape", "`", new SourceLocation("Dockerfile", 2, 2)),
                new ParserDirective("check", "skip=all", new SourceLocation("Dockerfile", 3, 3)),
            ],
            parsed.Directives);
        Assert.Equal('`', parsed.EscapeToken);
        Assert.Equal("docker/dockerfile:1.7 // opts", parsed.Syntax?.Value);
        Assert.Equal("skip=all", parsed.Check?.Value);
    }

    [Fact]
    public void Without_directives_the_escape_token_is_backslash()
    {
        var parsed = Parse.Text("FROM a\n");

        Assert.Equal('\\', parsed.EscapeToken);
        Assert.Empty(parsed.Directives);
        Assert.Null(parsed.Syntax);
        Assert.Null(parsed.Check);
    }

    [Theory]
    [InlineData("# a comment\n# escape=`\nFROM a\nRUN x `\ny\n")]
    [InlineData("\n# escape=`\nFROM a\nRUN x `\ny\n")]
    [InlineData("FROM a\n# escape=`\nRUN x `\ny\n")]
    [InlineData("# unknown=1\n# escape=`\nFROM a\nRUN x `\ny\n")]
    public void A_directive_after_any_other_line_is_only_a_comment(string dockerfile)
    {
        var parsed = Parse.Text(dockerfile);

        Assert.Equal('\\', parsed.EscapeToken);
        Assert.Equal("(from \"a\")\n(run \"x `\")\n(y \"\")\n", ParseTreePrinter.Print(parsed));
    }

    [Fact]
    public void An_indented_directive_counts_for_the_parser()
    {
        Assert.Equal('`', Parse.Text("   # escape=`\nFROM a\n").EscapeToken);
    }

    [Fact]
    public void A_byte_order_mark_before_the_directives_is_ignored()
    {
        Assert.Equal('`', Parse.Text("\uFEFF# escape=`\nFROM a\n").EscapeToken);
    }

    [Fact]
    public void After_a_shebang_syntax_and_check_are_still_read_but_escape_is_not()
    {
        // BuildKit's frontend skips a #! line when it looks for syntax and check; its parser does not.
        var parsed = Parse.Text("#!/usr/bin/env buildctl\n# syntax=example/frontend\n# escape=`\n# check=error=true\nFROM a\n");

        Assert.Equal('\\', parsed.EscapeToken);
        Assert.Equal(
            [
                new ParserDirective("syntax", "example/frontend", new SourceLocation("Dockerfile", 2, 2)),
                new ParserDirective("check", "error=true", new SourceLocation("Dockerfile", 4, 4)),
            ],
            parsed.Directives);
    }

    [Theory]
    [InlineData("# escape=`\n# ESCAPE=\\\nFROM a\n", "Dockerfile:2: only one escape parser directive can be used")]
    [InlineData("# syntax=a\n# Syntax=b\nFROM a\n", "Dockerfile:2: only one syntax parser directive can be used")]
    [InlineData("# check=a\n# syntax=x\n# check=b\nFROM a\n", "Dockerfile:3: only one check parser directive can be used")]
    public void A_repeated_directive_is_rejected(string dockerfile, string message)
    {
        Assert.Equal(message, Parse.Error(dockerfile));
    }

    [Theory]
    [InlineData("# escape=x\nFROM a\n", "x")]
    [InlineData("# escape=``\nFROM a\n", "``")]
    [InlineData("# escape=/\nFROM a\n", "/")]
    [InlineData("# escape= \nFROM a\n", " ")]
    public void An_escape_token_other_than_backslash_or_backtick_is_rejected(string dockerfile, string token)
    {
        Assert.Equal($"Dockerfile:1: invalid escape token '{token}' does not match ` or \\", Parse.Error(dockerfile));
    }

    [Fact]
    public void A_directive_without_a_value_ends_the_directives()
    {
        var parsed = Parse.Text("# escape=\n# syntax=x\nFROM a\n");

        Assert.Empty(parsed.Directives);
        Assert.Equal('\\', parsed.EscapeToken);
    }
}
