using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Dockerfile.Tests.Planning;

/// <summary>Variables expand exactly where BuildKit expands them, and nowhere else.</summary>
public sealed class ExpansionPositionTests
{
    private const string Vars = "FROM scratch\nENV U=app D=/srv P=8080 S=src F=0644 SIG=SIGQUIT\n";

    private static string Text(string instruction) => Plans.Of(Vars + instruction + "\n").Last().Text;

    [Theory]
    [InlineData("COPY --chown=$U:$U --chmod=$F $S/*.c ${D}/", "COPY --chown=app:app --chmod=0644 src/*.c /srv/")]
    [InlineData("ADD --chown=$U --checksum=sha256:${U} https://example.com/$S.tgz $D", "ADD --checksum=sha256:app --chown=app https://example.com/src.tgz /srv")]
    [InlineData("COPY --exclude=$S a /x", "COPY --exclude=$S a /x")]
    [InlineData("WORKDIR $D/$U", "WORKDIR /srv/app")]
    [InlineData("USER ${U}:staff", "USER app:staff")]
    [InlineData("LABEL $U.port=$P \"k\"=\"$S v\"", "LABEL app.port=8080 k=\"src v\"")]
    [InlineData("EXPOSE $P ${P}/udp", "EXPOSE 8080/tcp 8080/udp")]
    [InlineData("VOLUME $D/data", "VOLUME /srv/data")]
    [InlineData("STOPSIGNAL $SIG", "STOPSIGNAL SIGQUIT")]
    [InlineData("ENV X=$U-$P", "ENV X=app-8080")]
    [InlineData("ARG X=$U", "ARG X=app")]
    [InlineData("RUN echo $U \"$P\"", "RUN echo $U \"$P\"")]
    [InlineData("RUN [\"echo\", \"$U\"]", "RUN [\"echo\",\"$U\"]")]
    [InlineData("CMD echo $U", "CMD echo $U")]
    [InlineData("ENTRYPOINT [\"$U\"]", "ENTRYPOINT [\"$U\"]")]
    [InlineData("HEALTHCHECK CMD check $P", "HEALTHCHECK CMD check $P")]
    [InlineData("SHELL [\"$U\", \"-c\"]", "SHELL [\"$U\",\"-c\"]")]
    [InlineData("ONBUILD RUN echo $U", "ONBUILD RUN echo $U")]
    [InlineData("MAINTAINER $U", "MAINTAINER $U")]
    public void Expands_in_buildkit_positions_only(string instruction, string text)
    {
        Assert.Equal(text, Text(instruction));
    }

    [Fact]
    public void Expose_splits_an_unquoted_variable_into_ports()
    {
        var plan = Plans.Of("FROM scratch\nENV PORTS=\"80 443/udp\"\nEXPOSE $PORTS 9000-9001\n");
        Assert.Equal(["80/tcp", "443/udp", "9000/tcp", "9001/tcp"], Assert.IsType<ExposeInstruction>(plan.Last().Instruction).Ports);
    }

    [Fact]
    public void Mount_options_expand_but_the_command_does_not()
    {
        var run = Plans.Of("FROM scratch\nARG MNT_TYPE=cache\nENV CACHE=/root/.cache ID=pip\nRUN --mount=type=$MNT_TYPE,target=$CACHE,id=$ID echo $CACHE\n").Last();
        var mount = Assert.Single(run.Mounts);
        Assert.Equal((MountType.Cache, "/root/.cache", "pip"), (mount.Type, mount.Target, mount.Id));
        Assert.Equal(["/bin/sh", "-c", "echo $CACHE"], run.Command);
    }

    [Fact]
    public void Copy_from_with_a_variable_is_rejected()
    {
        Assert.Equal(
            "Dockerfile:3: variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround",
            Plans.Error("FROM scratch AS a\nFROM scratch\nCOPY --from=$X /a /b\n"));
    }

    [Fact]
    public void Copy_heredoc_bodies_expand_keeping_quotes_unless_the_delimiter_is_quoted()
    {
        var copy = Assert.IsType<CopyInstruction>(Plans.Of("FROM scratch\nENV A=1\nCOPY <<EOF <<\"RAW\" /etc/\necho \"$A\" '$A'\nEOF\nkeep $A\nRAW\n").Last().Instruction);
        Assert.Equal([new InlineSource("EOF", "echo \"1\" '1'\n", true), new InlineSource("RAW", "keep $A\n", false)], copy.InlineSources);
    }

    [Fact]
    public void Run_heredocs_are_left_to_the_shell()
    {
        var run = Plans.Of("FROM scratch\nENV A=1\nRUN <<EOF\necho $A\nEOF\n").Last();
        Assert.Equal(["/bin/sh", "-c", "echo $A\n"], run.Command);
    }

    [Fact]
    public void A_run_heredoc_with_a_shebang_runs_as_a_file()
    {
        var run = Plans.Of("FROM scratch\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n").Last();
        Assert.Equal(["/bin/sh", "-c", "/dev/pipes/EOF"], run.Command);
        Assert.Equal([new StepInput(InputKind.Inline, "EOF", null, ["/dev/pipes/EOF"], "#!/usr/bin/env python3\nprint(1)\n")], run.Inputs);
    }

    [Fact]
    public void A_run_with_text_around_heredocs_hands_it_all_to_the_shell()
    {
        var run = Plans.Of("FROM scratch\nRUN cat <<A <<B > /out\na\nA\nb\nB\n").Last();
        Assert.Equal(["/bin/sh", "-c", "cat <<A <<B > /out\na\nA\nb\nB"], run.Command);
    }

    [Fact]
    public void The_escape_directive_applies_to_expansion()
    {
        var plan = Plans.Of("# escape=`\nFROM scratch\nENV A=1\nWORKDIR /a`$A/$A\n");
        Assert.Equal("WORKDIR /a$A/1", plan.Last().Text);
    }
}
