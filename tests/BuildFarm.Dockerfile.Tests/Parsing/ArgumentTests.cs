using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Parsing;

/// <summary>BuildKit's dispatch table: how each instruction's arguments are split.</summary>
public sealed class ArgumentTests
{
    [Theory]
    [InlineData("CMD [\"a\", \"b c\"]", "cmd", new[] { "a", "b c" })]
    [InlineData("ENTRYPOINT [ \"/bin/sh\" ]", "entrypoint", new[] { "/bin/sh" })]
    [InlineData("RUN [\"echo\", \"\\u00e9\\n\"]", "run", new[] { "echo", "é\n" })]
    [InlineData("SHELL [\"pwsh\", \"-c\"]", "shell", new[] { "pwsh", "-c" })]
    [InlineData("COPY [\"a b\", \"/c\"]", "copy", new[] { "a b", "/c" })]
    [InlineData("ADD\t[\"a\",\t\"/c\"]\t", "add", new[] { "a", "/c" })]
    [InlineData("VOLUME [\"/a\", \"/b\"]", "volume", new[] { "/a", "/b" })]
    [InlineData("CMD []", "cmd", new string[0])]
    public void A_JSON_array_of_strings_is_the_exec_form(string line, string keyword, string[] arguments)
    {
        var instruction = Assert.Single(Parse.Text(line).Instructions);

        Assert.Equal(keyword, instruction.Keyword);
        Assert.Equal(arguments, instruction.Arguments);
        Assert.True(instruction.IsJsonForm);
    }

    [Theory]
    [InlineData("CMD ['a', 'b']", "['a', 'b']")]
    [InlineData("CMD [\"a\", \"b\"", "[\"a\", \"b\"")]
    [InlineData("CMD [\"a\"] trailing", "[\"a\"] trailing")]
    [InlineData("CMD [\"a\",]", "[\"a\",]")]
    [InlineData("CMD [\"tab\there\"]", "[\"tab\there\"]")]
    [InlineData("CMD [\"\\x41\"]", "[\"\\x41\"]")]
    [InlineData("CMD \"[\\\"a\\\"]\"", "\"[\\\"a\\\"]\"")]
    [InlineData("RUN echo [\"a\"]", "echo [\"a\"]")]
    public void Text_that_is_not_a_valid_JSON_array_falls_back_to_the_shell_form(string line, string argument)
    {
        var instruction = Assert.Single(Parse.Text(line).Instructions);

        Assert.Equal([argument], instruction.Arguments);
        Assert.False(instruction.IsJsonForm);
    }

    [Theory]
    [InlineData("CMD [\"a\", 1]")]
    [InlineData("RUN [\"a\", null]")]
    [InlineData("ENTRYPOINT [[\"a\"]]")]
    [InlineData("COPY [\"a\", {\"b\": [1, true]}]")]
    [InlineData("VOLUME [false]")]
    [InlineData("HEALTHCHECK CMD [\"a\", 1.5e3]")]
    public void A_valid_JSON_array_with_other_than_strings_is_an_error(string line)
    {
        Assert.Equal(
            "Dockerfile:1: when using JSON array syntax, arrays must be comprised of strings only",
            Parse.Error(line));
    }

    [Fact]
    public void JSON_deeper_than_Gos_limit_is_not_JSON_so_it_falls_back()
    {
        var atLimit = "CMD " + new string('[', 10000) + new string(']', 10000);
        var pastLimit = "CMD " + new string('[', 10001) + new string(']', 10001);

        Assert.Equal(
            "Dockerfile:1: when using JSON array syntax, arrays must be comprised of strings only",
            Parse.Error(atLimit));
        Assert.False(Assert.Single(Parse.Text(pastLimit).Instructions).IsJsonForm);
    }

    [Fact]
    public void JSON_surrogate_escapes_pair_up_or_become_replacement_characters()
    {
        var instruction = Assert.Single(Parse.Text("CMD [\"\\ud83d\\ude00\", \"\\ud83d\", \"\\ude00x\"]").Instructions);

        Assert.Equal(["\U0001F600", "\uFFFD", "\uFFFDx"], instruction.Arguments);
    }

    [Theory]
    [InlineData("ENV a=b c=\"d e\"", new[] { "a", "b", "=", "c", "\"d e\"", "=" })]
    [InlineData("ENV a=b\\ c d=", new[] { "a", "b\\ c", "=", "d", "", "=" })]
    [InlineData("ENV k v w", new[] { "k", "v w", "" })]
    [InlineData("ENV k\t\"v w\"", new[] { "k", "\"v w\"", "" })]
    [InlineData("LABEL \"a b\"=c d='e f'", new[] { "\"a b\"", "c", "=", "d", "'e f'", "=" })]
    [InlineData("LABEL maintainer Jane <j@example.com>", new[] { "maintainer", "Jane <j@example.com>", "" })]
    [InlineData("ENV", new string[0])]
    public void ENV_and_LABEL_become_key_value_separator_triples(string line, string[] arguments)
    {
        Assert.Equal(arguments, Assert.Single(Parse.Text(line).Instructions).Arguments);
    }

    [Theory]
    [InlineData("ENV PATH", "ENV must have two arguments")]
    [InlineData("LABEL a", "LABEL must have two arguments")]
    [InlineData("ENV a=b c", "Syntax error - can't find = in \"c\". Must be of the form: name=value")]
    [InlineData("LABEL a=1 \"b\\tc\"", "Syntax error - can't find = in \"\\\"b\\\\tc\\\"\". Must be of the form: name=value")]
    public void ENV_and_LABEL_reject_a_name_without_a_value(string line, string reason)
    {
        Assert.Equal($"Dockerfile:1: {reason}", Parse.Error(line));
    }

    [Fact]
    public void ARG_keeps_each_word_with_its_quotes()
    {
        Assert.Equal(
            ["a", "b=c", "d=\"e f\"", "g\\ h"],
            Assert.Single(Parse.Text("ARG a b=c d=\"e f\" g\\ h").Instructions).Arguments);
    }

    [Theory]
    [InlineData("FROM golang:1.22 AS build", "from", new[] { "golang:1.22", "AS", "build" })]
    [InlineData("EXPOSE 80/tcp\t\v443  53/udp", "expose", new[] { "80/tcp", "443", "53/udp" })]
    [InlineData("COPY a  \"b c\" /d", "copy", new[] { "a", "\"b", "c\"", "/d" })]
    [InlineData("VOLUME /a /b", "volume", new[] { "/a", "/b" })]
    [InlineData("FROM a\u00a0b", "from", new[] { "a\u00a0b" })]
    public void Some_instructions_split_on_ASCII_white_space_only(string line, string keyword, string[] arguments)
    {
        var instruction = Assert.Single(Parse.Text(line).Instructions);

        Assert.Equal(keyword, instruction.Keyword);
        Assert.Equal(arguments, instruction.Arguments);
    }

    [Theory]
    [InlineData("USER app  group", "user", "app  group")]
    [InlineData("WORKDIR /my dir", "workdir", "/my dir")]
    [InlineData("STOPSIGNAL SIGKILL", "stopsignal", "SIGKILL")]
    [InlineData("MAINTAINER  Jane Doe  ", "maintainer", "Jane Doe")]
    [InlineData("RUN  echo  \"a\"  ", "run", "echo  \"a\"")]
    public void Some_instructions_take_the_rest_of_the_line_as_one_argument(string line, string keyword, string argument)
    {
        var instruction = Assert.Single(Parse.Text(line).Instructions);

        Assert.Equal(keyword, instruction.Keyword);
        Assert.Equal([argument], instruction.Arguments);
    }

    [Theory]
    [InlineData("RUN")]
    [InlineData("CMD")]
    [InlineData("FROM")]
    [InlineData("ADD")]
    [InlineData("USER")]
    [InlineData("ARG")]
    [InlineData("HEALTHCHECK")]
    public void An_instruction_without_arguments_is_not_a_parse_error(string line)
    {
        Assert.Empty(Assert.Single(Parse.Text(line).Instructions).Arguments);
    }

    [Fact]
    public void Instruction_names_are_case_insensitive_and_kept_in_lower_case()
    {
        var parsed = Parse.Text("from a\nRun b\ncOpY c d\n");

        Assert.Equal(["from", "run", "copy"], parsed.Instructions.Select(i => i.Keyword));
        Assert.Equal("(from \"a\")\n(run \"b\")\n(copy \"c\" \"d\")\n", ParseTreePrinter.Print(parsed));
    }

    [Fact]
    public void An_unknown_instruction_is_kept_for_the_next_step_to_reject()
    {
        var instruction = Assert.Single(Parse.Text("FETCH --fast http://example.com/x /x").Instructions);

        Assert.Equal("fetch", instruction.Keyword);
        Assert.Equal(["--fast"], instruction.Flags);
        Assert.Equal([""], instruction.Arguments);
        Assert.Equal("FETCH --fast http://example.com/x /x", instruction.Original);
        Assert.Equal("(fetch [\"--fast\"] \"\")", ParseTreePrinter.Print(instruction));
    }
}
