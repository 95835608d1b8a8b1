using BuildFarm.Dockerfile.Instructions;

namespace BuildFarm.Dockerfile.Tests.Instructions;

public sealed class InstructionModelTests
{
    [Fact]
    public void From_keeps_platform_and_lower_cases_the_stage_name()
    {
        var from = Parse.One<FromInstruction>("FROM --platform=$BUILDPLATFORM Alpine:3 as Build");
        Assert.Equal(("Alpine:3", "build", "$BUILDPLATFORM"), (from.BaseName, from.StageName, from.Platform));
        Assert.Equal("FROM --platform=$BUILDPLATFORM Alpine:3 as Build", from.Original);
        Assert.Equal(1, from.Location.StartLine);
    }

    [Fact]
    public void Run_keeps_shell_form_as_one_string_and_exec_form_as_the_array()
    {
        var shell = Parse.One<RunInstruction>("RUN echo  $HOME && ls");
        Assert.Equal(["echo  $HOME && ls"], shell.Command.Arguments);
        Assert.True(shell.Command.PrependShell);
        var exec = Parse.One<RunInstruction>("RUN [\"echo\", \"$HOME\"]");
        Assert.Equal(["echo", "$HOME"], exec.Command.Arguments);
        Assert.False(exec.Command.PrependShell);
    }

    [Fact]
    public void Run_flags_are_typed()
    {
        var run = Parse.One<RunInstruction>("RUN --mount=type=cache,target=/c --mount=type=secret,id=s --network=none --security=insecure make");
        Assert.Equal(["type=cache,target=/c", "type=secret,id=s"], run.Mounts);
        Assert.Equal(NetworkMode.None, run.Network);
        Assert.Equal(SecurityMode.Insecure, run.Security);
        var plain = Parse.One<RunInstruction>("RUN make");
        Assert.Equal((NetworkMode.Default, SecurityMode.Sandbox), (plain.Network, plain.Security));
        Assert.Equal(NetworkMode.Host, Parse.One<RunInstruction>("RUN --network=host make").Network);
    }

    [Fact]
    public void Run_keeps_heredocs()
    {
        var run = Parse.One<RunInstruction>("RUN <<EOF\necho hi\nEOF\n");
        Assert.Equal(["<<EOF"], run.Command.Arguments);
        var heredoc = Assert.Single(run.Command.Heredocs);
        Assert.Equal(("EOF", "echo hi\n", true), (heredoc.Name, heredoc.Content, heredoc.Expand));
    }

    [Fact]
    public void Copy_takes_every_flag()
    {
        var copy = Parse.One<CopyInstruction>("COPY --from=build --chown=app:app --chmod=0644 --link --parents --exclude=*.tmp --exclude=.git a b /dest/");
        Assert.Equal(["a", "b"], copy.Sources);
        Assert.Equal("/dest/", copy.Destination);
        Assert.Equal(("build", "app:app", "0644", true, true), (copy.From, copy.Chown, copy.Chmod, copy.Link, copy.Parents));
        Assert.Equal(["*.tmp", ".git"], copy.Excludes);
        Assert.Empty(copy.InlineSources);
    }

    [Fact]
    public void Copy_json_form_and_defaults()
    {
        var copy = Parse.One<CopyInstruction>("COPY [\"a b\", \"/d\"]");
        Assert.Equal(["a b"], copy.Sources);
        Assert.Equal("/d", copy.Destination);
        Assert.Equal((null, null, null, false, false), (copy.From, copy.Chown, copy.Chmod, copy.Link, copy.Parents));
        Assert.Empty(copy.Excludes);
    }

    [Fact]
    public void Copy_heredoc_sources_become_inline_files_with_tabs_chomped()
    {
        var copy = Parse.One<CopyInstruction>("COPY <<-EOF <<'RAW' /etc/\n\thello $X\n\tEOF\nkeep $Y\nRAW\n");
        Assert.Empty(copy.Sources);
        Assert.Equal(
            [new InlineSource("EOF", "hello $X\n", true), new InlineSource("RAW", "keep $Y\n", false)],
            copy.InlineSources);
    }

    [Fact]
    public void Add_takes_its_own_flags()
    {
        var add = Parse.One<AddInstruction>("ADD --checksum=sha256:abc --keep-git-dir --unpack=false --chown=1 --chmod=755 --link --exclude=x https://example.com/a.tar /a");
        Assert.Equal(("sha256:abc", (bool?)true, (bool?)false), (add.Checksum, add.KeepGitDir, add.Unpack));
        Assert.Equal(("1", "755", true), (add.Chown, add.Chmod, add.Link));
        Assert.Equal(["x"], add.Excludes);
        var plain = Parse.One<AddInstruction>("ADD a /a");
        Assert.Equal(((bool?)null, (bool?)null, (string?)null), (plain.KeepGitDir, plain.Unpack, plain.Checksum));
    }

    [Fact]
    public void Env_and_label_keep_key_value_pairs_with_their_form()
    {
        var env = Parse.One<EnvInstruction>("ENV A=1 B=\"two words\"");
        Assert.Equal([new KeyValue("A", "1"), new KeyValue("B", "\"two words\"")], env.Variables);
        var legacy = Parse.One<EnvInstruction>("ENV A one two");
        Assert.Equal([new KeyValue("A", "one two", HasDelimiter: false)], legacy.Variables);
        var label = Parse.One<LabelInstruction>("LABEL a.b=c \"d e\"=f");
        Assert.Equal([new KeyValue("a.b", "c"), new KeyValue("\"d e\"", "f")], label.Labels);
    }

    [Fact]
    public void Arg_declares_several_names_with_and_without_defaults()
    {
        var arg = Parse.One<ArgInstruction>("ARG a1=\"foo bar\" a2 a3=");
        Assert.Equal([new ArgDeclaration("a1", "\"foo bar\""), new ArgDeclaration("a2", null), new ArgDeclaration("a3", "")], arg.Arguments);
    }

    [Fact]
    public void Simple_instructions()
    {
        Assert.Equal(["80/tcp", "8000-8010/udp"], Parse.One<ExposeInstruction>("EXPOSE 80/tcp 8000-8010/udp").Ports);
        Assert.Equal(["/data", "/logs"], Parse.One<VolumeInstruction>("VOLUME [\"/data\", \"/logs\"]").Volumes);
        Assert.Equal(["/a", "/b"], Parse.One<VolumeInstruction>("VOLUME /a /b").Volumes);
        Assert.Equal("app:staff", Parse.One<UserInstruction>("USER app:staff").User);
        Assert.Equal("/src/app", Parse.One<WorkdirInstruction>("WORKDIR /src/app").Path);
        Assert.Equal("SIGQUIT", Parse.One<StopSignalInstruction>("STOPSIGNAL SIGQUIT").Signal);
        Assert.Equal("Jane <jane@example.com>", Parse.One<MaintainerInstruction>("MAINTAINER Jane <jane@example.com>").Maintainer);
        Assert.Equal(["/bin/bash", "-eo", "pipefail", "-c"], Parse.One<ShellInstruction>("SHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]").Shell);
    }

    [Fact]
    public void Cmd_and_entrypoint_keep_their_form()
    {
        var cmd = Parse.One<CmdInstruction>("CMD [\"app\", \"--port\", \"80\"]");
        Assert.Equal(["app", "--port", "80"], cmd.Command.Arguments);
        Assert.False(cmd.Command.PrependShell);
        var entrypoint = Parse.One<EntrypointInstruction>("ENTRYPOINT exec app $ARG");
        Assert.Equal(["exec app $ARG"], entrypoint.Command.Arguments);
        Assert.True(entrypoint.Command.PrependShell);
    }

    [Fact]
    public void Healthcheck_takes_every_flag()
    {
        var health = Parse.One<HealthcheckInstruction>("HEALTHCHECK --interval=30s --timeout=1m30s --start-period=1.5s --start-interval=250ms --retries=3 CMD curl -f http://localhost/");
        Assert.Equal(["CMD-SHELL", "curl -f http://localhost/"], health.Test);
        Assert.Equal(30_000_000_000, health.Interval.Nanoseconds);
        Assert.Equal(90_000_000_000, health.Timeout.Nanoseconds);
        Assert.Equal(1_500_000_000, health.StartPeriod.Nanoseconds);
        Assert.Equal(250_000_000, health.StartInterval.Nanoseconds);
        Assert.Equal(3, health.Retries);
        Assert.False(health.Disables);

        var exec = Parse.One<HealthcheckInstruction>("HEALTHCHECK CMD [\"probe\", \"-q\"]");
        Assert.Equal(["CMD", "probe", "-q"], exec.Test);
        Assert.Equal((GoDuration.Zero, 0), (exec.Interval, exec.Retries));

        var none = Parse.One<HealthcheckInstruction>("HEALTHCHECK NONE");
        Assert.Equal(["NONE"], none.Test);
        Assert.True(none.Disables);
    }

    [Fact]
    public void Onbuild_wraps_a_typed_trigger()
    {
        var onbuild = Parse.One<OnbuildInstruction>("ONBUILD COPY --chown=1 . /app");
        var trigger = Assert.IsType<CopyInstruction>(onbuild.Trigger);
        Assert.Equal(("1", "/app"), (trigger.Chown, trigger.Destination));
        Assert.Equal("COPY --chown=1 . /app", onbuild.Expression);
    }
}
