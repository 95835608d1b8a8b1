using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Parsing;

public sealed class OnbuildAndHealthcheckTests
{
    [Fact]
    public void ONBUILD_wraps_its_trigger_instruction()
    {
        var onbuild = Assert.Single(Parse.Text("ONBUILD COPY --from=x a /b").Instructions);

        Assert.Equal("onbuild", onbuild.Keyword);
        Assert.Empty(onbuild.Flags);
        Assert.Empty(onbuild.Arguments);
        Assert.Equal("ONBUILD COPY --from=x a /b", onbuild.Original);
        var trigger = Assert.IsType<ParsedInstruction>(onbuild.Inner);
        Assert.Equal("copy", trigger.Keyword);
        Assert.Equal(["--from=x"], trigger.Flags);
        Assert.Equal(["a", "/b"], trigger.Arguments);
        Assert.Equal("COPY --from=x a /b", trigger.Original);
        Assert.Equal(onbuild.Location, trigger.Location);
        Assert.Equal("(onbuild (copy [\"--from=x\"] \"a\" \"/b\"))", ParseTreePrinter.Print(onbuild));
    }

    [Fact]
    public void ONBUILD_trigger_keeps_its_own_form()
    {
        Assert.Equal(
            "(onbuild (run \"echo\" \"x\"))\n(onbuild (env \"a\" \"b\" \"=\"))\n(onbuild (nope \"\"))\n(onbuild)\n",
            Parse.Tree("ONBUILD RUN [\"echo\", \"x\"]\nONBUILD ENV a=b\nONBUILD NOPE x\nONBUILD\n"));
        Assert.True(Parse.Text("ONBUILD RUN [\"a\"]").Instructions[0].Inner!.IsJsonForm);
    }

    [Fact]
    public void ONBUILD_flags_belong_to_ONBUILD_and_the_triggers_to_the_trigger()
    {
        Assert.Equal(
            "(onbuild [\"--a\"] (onbuild [\"--b\"] (run [\"--c\"] \"x\")))\n",
            Parse.Tree("ONBUILD --a ONBUILD --b RUN --c x\n"));
    }

    [Fact]
    public void ONBUILD_trigger_errors_are_errors_of_the_line()
    {
        Assert.Equal("Dockerfile:2: ENV must have two arguments", Parse.Error("FROM a\nONBUILD ENV x\n"));
    }

    [Fact]
    public void ONBUILD_nesting_is_bounded()
    {
        var deepest = string.Concat(Enumerable.Repeat("ONBUILD ", 8)) + "RUN x";

        Assert.Equal(8, Depth(Assert.Single(Parse.Text(deepest).Instructions)));
        Assert.Equal(
            "Dockerfile:1: ONBUILD nested more than 8 levels deep; chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
            Parse.Error("ONBUILD " + deepest));

        static int Depth(ParsedInstruction instruction) =>
            instruction.Inner is { } inner ? 1 + Depth(inner) : 0;
    }

    [Theory]
    [InlineData("HEALTHCHECK NONE", "(healthcheck \"NONE\")", false)]
    [InlineData("HEALTHCHECK CMD", "(healthcheck \"CMD\")", false)]
    [InlineData("HEALTHCHECK   CMD   curl -f http://localhost/  ", "(healthcheck \"CMD\" \"curl -f http://localhost/\")", false)]
    [InlineData("HEALTHCHECK --interval=5s --retries=3 CMD [\"/check\", \"-q\"]", "(healthcheck [\"--interval=5s\" \"--retries=3\"] \"CMD\" \"/check\" \"-q\")", true)]
    [InlineData("HEALTHCHECK CMD ['a']", "(healthcheck \"CMD\" \"['a']\")", false)]
    [InlineData("healthcheck\tcmd\texit 0", "(healthcheck \"cmd\" \"exit 0\")", false)]
    [InlineData("HEALTHCHECK", "(healthcheck)", false)]
    public void HEALTHCHECK_takes_a_type_word_then_a_command_like_CMD(string line, string tree, bool json)
    {
        var instruction = Assert.Single(Parse.Text(line).Instructions);

        Assert.Equal(tree, ParseTreePrinter.Print(instruction));
        Assert.Equal(json, instruction.IsJsonForm);
    }
}
