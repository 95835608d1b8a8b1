using BuildFarm.Dockerfile;
using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Parsing;

public sealed class HeredocTests
{
    [Fact]
    public void A_heredoc_body_is_read_up_to_its_delimiter_and_the_instruction_spans_it()
    {
        var parsed = Parse.Text("FROM a\nRUN <<EOF\necho $HOME\n  # not a comment\nEOF\nRUN next\n");

        var run = parsed.Instructions[1];
        Assert.Equal([new Heredoc("EOF", "echo $HOME\n  # not a comment\n", Expand: true, Chomp: false)], run.Heredocs);
        Assert.Equal(["<<EOF"], run.Arguments);
        Assert.Equal("RUN <<EOF", run.Original);
        Assert.Equal(new SourceLocation("Dockerfile", 2, 5), run.Location);
        Assert.Equal(new SourceLocation("Dockerfile", 6, 6), parsed.Instructions[2].Location);
        Assert.Equal("(from \"a\")\n(run \"<<EOF\")\n(run \"next\")\n", ParseTreePrinter.Print(parsed));
    }

    [Fact]
    public void Several_heredocs_on_one_line_are_read_in_order()
    {
        var copy = Parse.Text("COPY <<one <<two /dest/\nfirst\none\nsecond\ntwo\n").Instructions[0];

        Assert.Equal(
            [new Heredoc("one", "first\n", true, false), new Heredoc("two", "second\n", true, false)],
            copy.Heredocs);
        Assert.Equal(["<<one", "<<two", "/dest/"], copy.Arguments);
    }

    [Fact]
    public void A_body_line_is_only_a_delimiter_when_it_is_exactly_the_delimiter()
    {
        var run = Parse.Text("RUN <<X <<Y\nY\n X\nX\nX\nY\n").Instructions[0];

        Assert.Equal([new Heredoc("X", "Y\n X\n", true, false), new Heredoc("Y", "X\n", true, false)], run.Heredocs);
    }

    [Fact]
    public void Dash_form_allows_a_tab_indented_delimiter_and_keeps_the_body_verbatim()
    {
        var heredoc = Assert.Single(Parse.Text("RUN <<-EOF\n\techo a\n\t\techo b\n\tEOF\n").Instructions[0].Heredocs);

        Assert.Equal(new Heredoc("EOF", "\techo a\n\t\techo b\n", Expand: true, Chomp: true), heredoc);
        Assert.Equal("echo a\necho b\n", heredoc.ChompedContent);
    }

    [Fact]
    public void Without_the_dash_a_tab_indented_delimiter_is_body()
    {
        var heredoc = Assert.Single(Parse.Text("RUN <<EOF\n\tEOF\nEOF\n").Instructions[0].Heredocs);

        Assert.Equal("\tEOF\n", heredoc.Content);
        Assert.Equal("\tEOF\n", heredoc.ChompedContent);
    }

    [Theory]
    [InlineData("<<'EOF'", "EOF", false)]
    [InlineData("<<\"EOF\"", "EOF", false)]
    [InlineData("<<E'O'F", "EOF", false)]
    [InlineData("<<EOF", "EOF", true)]
    [InlineData("<<E\\'OF", "E'OF", true)]
    [InlineData("<<'E'O\\'F", "EO'F", false)]
    [InlineData("<<'two words'", "two words", false)]
    [InlineData("<<$EOF", "$EOF", true)]
    [InlineData("<<file.txt", "file.txt", true)]
    [InlineData("<<  EOF", "EOF", true)]
    [InlineData("3<<EOF", "EOF", true)]
    public void A_quoted_delimiter_means_the_body_is_not_expanded(string word, string name, bool expand)
    {
        var heredoc = Assert.Single(Parse.Text($"RUN {word} cat\nbody\n{name}\n").Instructions[0].Heredocs);

        Assert.Equal(new Heredoc(name, "body\n", expand, Chomp: false), heredoc);
    }

    [Theory]
    [InlineData("RUN \"<<EOF\"")]
    [InlineData("RUN '<<EOF'")]
    [InlineData("RUN [\"<<EOF\"]")]
    [InlineData("RUN <<")]
    [InlineData("RUN <<-")]
    [InlineData("RUN <<<EOF")]
    [InlineData("RUN <<- EOF")]
    [InlineData("RUN x<<EOF")]
    [InlineData("USER <<EOF")]
    [InlineData("CMD <<EOF")]
    [InlineData("RUN <<'EOF")]
    [InlineData("ONBUILD RUN [\"<<EOF\"]")]
    public void Words_that_do_not_open_a_heredoc_leave_the_next_line_an_instruction(string line)
    {
        var parsed = Parse.Text(line + "\nEOF\n");

        Assert.Equal(2, parsed.Instructions.Count);
        Assert.Empty(parsed.Instructions[0].Heredocs);
        Assert.Equal("eof", parsed.Instructions[1].Keyword);
    }

    [Fact]
    public void COPY_ADD_and_RUN_take_heredocs_also_as_ONBUILD_triggers()
    {
        var parsed = Parse.Text("ADD <<a /a\n1\na\nONBUILD RUN <<b\n2\nb\n");

        Assert.Equal([new Heredoc("a", "1\n", true, false)], parsed.Instructions[0].Heredocs);
        // As in BuildKit, the trigger's heredocs hang on the ONBUILD instruction.
        Assert.Equal([new Heredoc("b", "2\n", true, false)], parsed.Instructions[1].Heredocs);
        Assert.Empty(parsed.Instructions[1].Inner!.Heredocs);
    }

    [Fact]
    public void A_heredoc_may_follow_flags_and_a_continuation()
    {
        var run = Parse.Text("RUN --mount=type=cache,target=/c \\\n  <<EOF python3\nprint(1)\nEOF\n").Instructions[0];

        Assert.Equal(["--mount=type=cache,target=/c"], run.Flags);
        Assert.Equal(["<<EOF python3"], run.Arguments);
        Assert.Equal([new Heredoc("EOF", "print(1)\n", true, false)], run.Heredocs);
        Assert.Equal(new SourceLocation("Dockerfile", 1, 4), run.Location);
    }

    [Fact]
    public void Heredoc_bodies_keep_their_line_endings_and_the_escape_directive_does_not_apply()
    {
        var heredoc = Assert.Single(Parse.Text("# escape=`\r\nRUN <<EOF\r\nC:\\dir `\r\nEOF\r\n").Instructions[0].Heredocs);

        Assert.Equal(new Heredoc("EOF", "C:\\dir `\r\n", true, false), heredoc);
    }

    [Theory]
    [InlineData("FROM a\nRUN <<EOF\necho\n", "Dockerfile:2: unterminated heredoc")]
    [InlineData("RUN <<EOF", "Dockerfile:1: unterminated heredoc")]
    [InlineData("COPY <<A <<B /d\na\nA\nb\n", "Dockerfile:1: unterminated heredoc")]
    [InlineData("RUN <<-EOF\n EOF\n", "Dockerfile:1: unterminated heredoc")]
    public void An_unterminated_heredoc_is_an_error(string dockerfile, string message)
    {
        var error = Assert.Throws<DockerfileException>(() => Parse.Text(dockerfile));

        Assert.Equal(message, error.Message);
        Assert.Equal(dockerfile.Count(c => c == '\n') + (dockerfile.EndsWith('\n') ? 0 : 1), error.Location!.Value.EndLine);
    }
}
