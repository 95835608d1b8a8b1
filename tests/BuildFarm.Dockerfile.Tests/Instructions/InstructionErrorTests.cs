using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Instructions;

public sealed class InstructionErrorTests
{
    [Theory]
    [InlineData("FOO bar", "unknown instruction: FOO (did you mean FROM?)")]
    [InlineData("foo bar", "unknown instruction: foo (did you mean from?)")]
    [InlineData("COPY --foo=bar a b", "unknown flag: --foo (did you mean from?)")]
    [InlineData("COPY --checksum=sha256:abc a b", "unknown flag: --checksum")]
    [InlineData("COPY --keep-git-dir a b", "unknown flag: --keep-git-dir")]
    [InlineData("ADD --from=build a b", "unknown flag: --from")]
    [InlineData("ADD --parents a b", "unknown flag: --parents")]
    [InlineData("ENV --from=x A=b", "unknown flag: --from")]
    [InlineData("RUN --platform=linux true", "unknown flag: --platform")]
    [InlineData("FROM --from=x alpine", "unknown flag: --from")]
    [InlineData("STOPSIGNAL --now SIGTERM", "unknown flag: --now")]
    [InlineData("COPY --link=maybe a b", "expecting boolean value for flag --link, not: maybe")]
    [InlineData("COPY --link= a b", "missing a value on flag: --link")]
    [InlineData("COPY --from a b", "missing a value on flag: --from")]
    [InlineData("COPY --from=a --from=b a b", "duplicate flag specified: --from")]
    [InlineData("COPY a", "COPY requires at least two arguments, but only one was provided. Destination could not be determined")]
    [InlineData("ADD a", "ADD requires at least two arguments, but only one was provided. Destination could not be determined")]
    [InlineData("FROM a b", "FROM requires either one or three arguments")]
    [InlineData("FROM a AS 1x", "invalid name for build stage: \"1x\", name can't start with a number or contain symbols")]
    [InlineData("WORKDIR", "WORKDIR requires exactly one argument")]
    [InlineData("USER", "USER requires exactly one argument")]
    [InlineData("EXPOSE", "EXPOSE requires at least one argument")]
    [InlineData("VOLUME", "VOLUME requires at least one argument")]
    [InlineData("VOLUME [\"\"]", "VOLUME specified can not be an empty string")]
    [InlineData("ARG", "ARG requires at least one argument")]
    [InlineData("ARG =x", "ARG names can not be blank")]
    [InlineData("SHELL /bin/bash -c", "SHELL requires the arguments to be in JSON form")]
    [InlineData("SHELL []", "SHELL requires at least one argument")]
    [InlineData("HEALTHCHECK", "HEALTHCHECK requires at least one argument")]
    [InlineData("HEALTHCHECK NONE true", "HEALTHCHECK NONE takes no arguments")]
    [InlineData("HEALTHCHECK --interval=5s NONE", "unknown flag: --interval")]
    [InlineData("HEALTHCHECK FOO true", "Unknown type \"FOO\" in HEALTHCHECK (try CMD)")]
    [InlineData("HEALTHCHECK CMD", "Missing command after HEALTHCHECK CMD")]
    [InlineData("HEALTHCHECK --interval=abc CMD true", "time: invalid duration \"abc\"")]
    [InlineData("HEALTHCHECK --interval=5x CMD true", "time: unknown unit \"x\" in duration \"5x\"")]
    [InlineData("HEALTHCHECK --timeout=10 CMD true", "time: missing unit in duration \"10\"")]
    [InlineData("HEALTHCHECK --start-period=500us CMD true", "Interval \"start-period\" cannot be less than 1ms")]
    [InlineData("HEALTHCHECK --retries=-1 CMD true", "--retries cannot be negative (-1)")]
    [InlineData("HEALTHCHECK --retries=x CMD true", "strconv.ParseInt: parsing \"x\": invalid syntax")]
    [InlineData("ONBUILD FROM alpine", "FROM isn't allowed as an ONBUILD trigger")]
    [InlineData("ONBUILD MAINTAINER me", "MAINTAINER isn't allowed as an ONBUILD trigger")]
    [InlineData("ONBUILD ONBUILD RUN true", "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")]
    [InlineData("ONBUILD NOPE x", "unknown instruction: NOPE (did you mean COPY?)")]
    [InlineData("RUN --network=bridge true", "invalid network mode \"bridge\"")]
    [InlineData("RUN --security=weird true", "security \"weird\" is not valid")]
    [InlineData("RUN --mount=type=foo,target=/x true", "unsupported mount type \"foo\"")]
    [InlineData("RUN --mount=type=bind,target=/x,size=1m true", "unexpected key 'size' for mount type 'bind'")]
    [InlineData("RUN --mount=type=cache,target=/x,required true", "unexpected key 'required' for mount type 'cache'")]
    [InlineData("RUN --mount=required,type=secret,id=a true", "unexpected key 'required' for mount type 'bind'")]
    [InlineData("RUN --mount=type=cache,target=/x,sharing=sometimes true", "unsupported sharing value \"sometimes\"")]
    [InlineData("RUN --mount=type=bind,target=/x,sharing=locked true", "invalid cache sharing set for bind mount")]
    [InlineData("RUN --mount=type=bind,target=/x,mode=0755 true", "mode not allowed for \"bind\" type mounts")]
    [InlineData("RUN --mount=type=tmpfs,target=/x,uid=1 true", "uid not allowed for \"tmpfs\" type mounts")]
    [InlineData("RUN --mount=type=secret,id=a,sharing=locked true", "secret mount should not define sharing")]
    [InlineData("RUN --mount=type=secret,id=a,from=build true", "secret mount should not have a from")]
    [InlineData("RUN --mount=type=secret true", "invalid secret mount. one of source, target required")]
    [InlineData("RUN --mount=type=secret,id=a,source=b true", "both source and id can't be set")]
    [InlineData("RUN --mount=target=/x,bogus=1 true", "unexpected key 'bogus' in 'bogus=1'")]
    [InlineData("RUN --mount=target=/x,nonsense true", "invalid field 'nonsense' must be a key=value pair")]
    [InlineData("RUN --mount=type=cache,target=/x,mode=9 true", "invalid value 9 for mode")]
    [InlineData("RUN --mount=type=cache,target=/x,uid=abc true", "invalid value abc for uid")]
    [InlineData("RUN --mount=type=cache,target=/x,gid=-1 true", "invalid value -1 for gid")]
    [InlineData("RUN --mount=type=tmpfs,target=/x,size=big true", "invalid value for size: big")]
    [InlineData("RUN --mount=type=bind,target=/x,ro=maybe true", "invalid value for ro: maybe")]
    [InlineData("RUN --mount=type=bind,target=/x,rw=2 true", "invalid value for rw: 2")]
    [InlineData("RUN --mount=from=$X,target=/x true", "'from' doesn't support variable expansion, define alias stage instead")]
    public void Rejects_with_buildkit_wording_and_location(string dockerfile, string reason)
    {
        Assert.Equal($"Dockerfile:1: {reason}", Parse.Error(dockerfile));
    }

    [Fact]
    public void A_heredoc_cannot_be_a_copy_destination()
    {
        Assert.Equal("Dockerfile:1: COPY cannot accept a heredoc as a destination", Parse.Error("COPY a <<EOF\nbody\nEOF\n"));
    }

    [Fact]
    public void The_error_names_the_line_of_the_instruction()
    {
        var dockerfile = DockerfileParser.Parse("FROM alpine\n\n# comment\nRUN --bogus true\n", "app.Dockerfile");
        var error = Assert.Throws<DockerfileException>(() => BuildFarm.Dockerfile.Instructions.InstructionParser.Parse(dockerfile.Instructions[1]));
        Assert.Equal("app.Dockerfile:4: unknown flag: --bogus", error.Message);
        Assert.Equal("app.Dockerfile", error.File);
        Assert.Equal(4, error.Line);
        Assert.Equal("unknown flag: --bogus", error.Reason);
    }
}
