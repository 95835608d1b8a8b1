using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Parsing;

public sealed class FlagTests
{
    [Fact]
    public void Leading_double_dash_words_are_flags_and_the_rest_are_arguments()
    {
        var instruction = Assert.Single(Parse.Text("COPY --from=build --chown=1:1 /out /app").Instructions);

        Assert.Equal(["--from=build", "--chown=1:1"], instruction.Flags);
        Assert.Equal(["/out", "/app"], instruction.Arguments);
        Assert.Equal("(copy [\"--from=build\" \"--chown=1:1\"] \"/out\" \"/app\")", ParseTreePrinter.Print(instruction));
    }

    [Fact]
    public void Flags_stop_at_the_first_word_that_is_not_one()
    {
        var instruction = Assert.Single(Parse.Text("RUN --mount=type=cache,target=/c apt-get install --yes x").Instructions);

        Assert.Equal(["--mount=type=cache,target=/c"], instruction.Flags);
        Assert.Equal(["apt-get install --yes x"], instruction.Arguments);
    }

    [Fact]
    public void A_bare_double_dash_ends_the_flags_and_is_dropped()
    {
        var instruction = Assert.Single(Parse.Text("COPY --link -- --weird-name /d").Instructions);

        Assert.Equal(["--link"], instruction.Flags);
        Assert.Equal(["--weird-name", "/d"], instruction.Arguments);
    }

    [Fact]
    public void Flags_lose_their_quotes_and_escapes()
    {
        var instruction = Assert.Single(Parse.Text("COPY --chown=\"app user\" --x='a b' --y=c\\ d --e=\"\" src dst").Instructions);

        Assert.Equal(["--chown=app user", "--x=a b", "--y=c d", "--e="], instruction.Flags);
        Assert.Equal(["src", "dst"], instruction.Arguments);
    }

    [Fact]
    public void Flags_use_the_escape_token_in_force()
    {
        var instruction = Assert.Single(Parse.Text("# escape=`\nCOPY --x=a` b --y=c\\d e f").Instructions);

        Assert.Equal(["--x=a b", "--y=c\\d"], instruction.Flags);
    }

    [Fact]
    public void Flags_before_a_JSON_array_are_still_flags()
    {
        var instruction = Assert.Single(Parse.Text("CMD --doit=true -- [ \"a\", \"b\" ]").Instructions);

        Assert.Equal(["--doit=true"], instruction.Flags);
        Assert.Equal(["a", "b"], instruction.Arguments);
        Assert.True(instruction.IsJsonForm);
    }

    [Fact]
    public void An_instruction_of_only_flags_has_no_arguments()
    {
        var instruction = Assert.Single(Parse.Text("CMD --doit --").Instructions);

        Assert.Equal(["--doit"], instruction.Flags);
        Assert.Empty(instruction.Arguments);
        Assert.Equal("(cmd [\"--doit\"])", ParseTreePrinter.Print(instruction));
    }

    [Fact]
    public void A_non_ASCII_flag_comes_out_byte_by_byte_as_BuildKit_reads_it()
    {
        // BuildKit scans flags as bytes and appends each as a character: "é" (C3 A9) becomes "Ã©".
        var instruction = Assert.Single(Parse.Text("COPY --chown=usér a b").Instructions);

        Assert.Equal(["--chown=us\u00c3\u00a9r"], instruction.Flags);
        Assert.Equal(["a", "b"], instruction.Arguments);
    }
}
