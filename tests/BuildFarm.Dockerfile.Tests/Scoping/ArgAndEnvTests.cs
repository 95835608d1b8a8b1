using BuildFarm.Dockerfile.Planning;
using BuildFarm.Dockerfile.Scoping;
using BuildFarm.Dockerfile.Tests.Planning;

namespace BuildFarm.Dockerfile.Tests.Scoping;

public sealed class ArgAndEnvTests
{
    private const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    [Fact]
    public void Global_args_expand_in_from_and_build_args_override_them()
    {
        const string dockerfile = "ARG TAG=3.19\nARG IMAGE=alpine:$TAG\nFROM $IMAGE\n";
        Assert.Equal("docker.io/library/alpine:3.19", Plans.Of(dockerfile).Target.Base.Image);
        Assert.Equal("docker.io/library/alpine:edge", Plans.Of(dockerfile, null, "TAG=edge").Target.Base.Image);
        Assert.Equal("docker.io/library/busybox:latest", Plans.Of(dockerfile, null, "IMAGE=busybox").Target.Base.Image);
    }

    [Fact]
    public void Global_args_are_not_visible_in_a_stage_until_declared_there()
    {
        var plan = Plans.Of("ARG V=1\nFROM scratch\nRUN echo $V\nARG V\nRUN echo $V\n");
        Assert.Equal([DefaultPath], plan.Target.Steps[0].Env());
        Assert.Equal([DefaultPath, "V=1"], plan.Target.Steps[2].Env());
        Assert.Equal(["V"], plan.Target.Steps[2].BuildArgs);
        Assert.Equal([DefaultPath, "V=2"], Plans.Of("ARG V=1\nFROM scratch\nARG V\nRUN true\n", null, "V=2").Last().Env());
    }

    [Fact]
    public void A_declared_arg_without_value_is_in_scope_but_not_in_the_environment()
    {
        var step = Plans.Of("FROM scratch\nARG NOPE\nRUN true\n").Last();
        Assert.Equal([DefaultPath], step.Env());
        Assert.Equal(["NOPE"], step.BuildArgs);
    }

    [Fact]
    public void Several_args_in_one_line_with_quotes_and_defaults_that_use_earlier_args()
    {
        // BuildKit's testMultiArgs.
        var plan = Plans.Of("ARG a1=\"foo bar\" a2=box\nARG a3=\"$a2-foo\"\nFROM busy$a2 AS build\nARG a3 a4=\"123 456\" a1\nRUN echo -n \"$a1:$a3:$a4\" > /out\n");
        Assert.Equal("docker.io/library/busybox:latest", plan.Target.Base.Image);
        Assert.Equal([DefaultPath, "a3=box-foo", "a4=123 456", "a1=foo bar"], plan.Last().Env());
    }

    [Fact]
    public void A_stage_arg_default_expands_with_the_stage_variables()
    {
        // BuildKit's testQuotedMetaArgs: a3 sees a2 re-declared from the global scope.
        var plan = Plans.Of("ARG a1=\"box\"\nARG a2=\"$a1-foo\"\nFROM busy$a1 AS build\nARG a2\nARG a3=\"bar-$a2\"\nRUN echo -n $a3 > /out\n");
        Assert.Equal([DefaultPath, "a2=box-foo", "a3=bar-box-foo"], plan.Last().Env());
    }

    [Fact]
    public void A_build_arg_replaces_the_default_and_is_not_expanded()
    {
        var step = Plans.Of("FROM scratch\nENV A=x\nARG B=$A-y\nRUN true\n", null, "B=$A").Last();
        Assert.Equal([DefaultPath, "A=x", "B=$A"], step.Env());
        Assert.Equal([DefaultPath, "A=x", "B=x-y"], Plans.Of("FROM scratch\nENV A=x\nARG B=$A-y\nRUN true\n").Last().Env());
    }

    [Fact]
    public void Env_after_arg_shadows_it_and_a_later_arg_overrides_env_for_the_build()
    {
        Assert.Equal([DefaultPath, "V=env"], Plans.Of("FROM scratch\nARG V=arg\nENV V=env\nRUN true\n", null, "V=given").Last().Env());
        var later = Plans.Of("FROM scratch\nENV V=env\nARG V=arg\nRUN true\n").Last();
        Assert.Equal([DefaultPath, "V=arg"], later.Env());
        Assert.Equal(VariableOrigin.Arg, later.Environment[1].Origin);
    }

    [Fact]
    public void Env_pairs_expand_against_the_environment_before_the_instruction()
    {
        var plan = Plans.Of("FROM scratch\nENV A=1 B=$A\nENV C=$A\nRUN true\n");
        Assert.Equal([DefaultPath, "A=1", "B=", "C=1"], plan.Last().Env());
        Assert.Equal("ENV A=1 B=\"\"", plan.Target.Steps[0].Text);
    }

    [Fact]
    public void Env_and_args_are_inherited_from_a_parent_stage()
    {
        var plan = Plans.Of("FROM scratch AS base\nENV A=1\nARG B=2\nFROM base\nENV C=$A$B\nRUN true\n");
        Assert.Equal([DefaultPath, "A=1", "B=2", "C=12"], plan.Last().Env());
        Assert.Equal(["B"], plan.Last().BuildArgs);
    }

    [Fact]
    public void The_base_image_environment_takes_part_in_expansion()
    {
        var options = new BuildPlanOptions { BaseImages = new Images(new BaseImageConfig(["PATH=/opt/bin", "LANG=C.UTF-8"], "/app", "node", ["/bin/bash", "-c"])) };
        var plan = BuildPlanner.Plan("FROM node\nENV PATH=/work/bin:$PATH\nWORKDIR src\nRUN make\n", "Dockerfile", options);
        var run = plan.Last();
        Assert.Equal(["PATH=/work/bin:/opt/bin", "LANG=C.UTF-8"], run.Env());
        Assert.Equal(("/app/src", "node"), (run.WorkingDirectory, run.User));
        Assert.Equal(["/bin/bash", "-c", "make"], run.Command);
    }

    [Fact]
    public void Proxy_args_reach_run_in_both_spellings_without_declaration_but_stay_out_of_the_cache_key()
    {
        var plan = Plans.Of("FROM scratch\nRUN curl $HTTP_PROXY\n", null, "HTTP_PROXY=http://proxy:3128", "no_proxy=.internal.example", "FOO_PROXY=x");
        var run = plan.Last();
        Assert.Equal(
            [KeyValuePair.Create("HTTP_PROXY", "http://proxy:3128"), KeyValuePair.Create("http_proxy", "http://proxy:3128"), KeyValuePair.Create("NO_PROXY", ".internal.example"), KeyValuePair.Create("no_proxy", ".internal.example")],
            run.ProxyEnvironment);
        Assert.Equal([DefaultPath], run.Env());
        Assert.Equal([DefaultPath, "HTTP_PROXY=http://proxy:3128", "http_proxy=http://proxy:3128", "NO_PROXY=.internal.example", "no_proxy=.internal.example"], run.ProcessEnvironment());
        Assert.DoesNotContain(run.CacheKey, k => k.Value.Contains("proxy:3128", StringComparison.Ordinal) || k.Value.Contains("internal.example", StringComparison.Ordinal));
        Assert.Equal(["One or more build-args [FOO_PROXY] were not consumed"], plan.Warnings);
    }

    [Fact]
    public void Of_several_spellings_of_a_proxy_arg_the_last_in_ordinal_order_wins_and_an_empty_one_sets_none()
    {
        var run = Plans.Of("FROM scratch\nRUN true\n", null, "HTTPS_PROXY=upper", "https_proxy=lower", "Https_Proxy=mixed", "ALL_PROXY=", "ftp_proxy=f").Last();
        Assert.Equal(
            [KeyValuePair.Create("HTTPS_PROXY", "lower"), KeyValuePair.Create("https_proxy", "lower"), KeyValuePair.Create("FTP_PROXY", "f"), KeyValuePair.Create("ftp_proxy", "f")],
            run.ProxyEnvironment);
    }

    [Fact]
    public void A_declared_proxy_arg_is_an_arg_in_the_key_and_the_proxy_variables_still_win_in_the_process()
    {
        var declared = Plans.Of("FROM scratch\nARG HTTP_PROXY=default\nRUN true\n", null, "http_proxy=http://proxy:3128").Last();
        Assert.Equal([DefaultPath, "HTTP_PROXY=default"], declared.Env());
        Assert.Contains(new CacheKeyInput("env", "HTTP_PROXY=default"), declared.CacheKey);
        Assert.Equal([DefaultPath, "HTTP_PROXY=http://proxy:3128", "http_proxy=http://proxy:3128"], declared.ProcessEnvironment());
    }

    [Fact]
    public void Platform_args_are_global_and_visible_in_a_stage_once_declared()
    {
        var plan = Plans.Of("FROM --platform=$BUILDPLATFORM scratch AS build\nRUN echo $TARGETARCH\nARG TARGETPLATFORM TARGETOS TARGETARCH TARGETVARIANT BUILDPLATFORM BUILDOS BUILDARCH BUILDVARIANT TARGETSTAGE\nRUN true\n");
        Assert.Equal("linux/amd64", plan.Target.Platform);
        Assert.Equal([DefaultPath], plan.Target.Steps[0].Env());
        Assert.Equal(
            [DefaultPath, "TARGETPLATFORM=linux/amd64", "TARGETOS=linux", "TARGETARCH=amd64", "TARGETVARIANT=", "BUILDPLATFORM=linux/amd64", "BUILDOS=linux", "BUILDARCH=amd64", "BUILDVARIANT=", "TARGETSTAGE=build"],
            plan.Last().Env());
        Assert.Equal("TARGETSTAGE=default", Plans.Of("FROM scratch\nARG TARGETSTAGE\nRUN true\n").Last().Env().Last());
    }

    [Fact]
    public void Unconsumed_build_args_are_reported()
    {
        var plan = Plans.Of("ARG GLOBAL\nFROM scratch AS unused\nARG ONLY_UNUSED\nFROM scratch\nARG USED\nRUN true\n", null, "USED=1", "GLOBAL=1", "ZED=1", "ONLY_UNUSED=1", "ALPHA=2", "HTTPS_PROXY=p", "TARGETARCH=arm64");
        Assert.Equal(["One or more build-args [ALPHA ONLY_UNUSED ZED] were not consumed"], plan.Warnings);
    }

    [Fact]
    public void A_base_image_trigger_with_a_heredoc_runs_with_its_body()
    {
        var config = BaseImageConfig.Empty with { OnBuild = ["RUN <<EOF\necho \"hello world\" >> /dest\nEOF"] };
        var plan = BuildPlanner.Plan("FROM node\nRUN after\n", "Dockerfile", new BuildPlanOptions { BaseImages = new Images(config) });
        var trigger = plan.Target.Steps[0];
        Assert.Equal(["/bin/sh", "-c", "echo \"hello world\" >> /dest\n"], trigger.Command);
        Assert.True(trigger.FromOnbuild);
    }

    [Fact]
    public void A_failed_expansion_names_the_line()
    {
        Assert.Equal("Dockerfile:1: failed to process \"${FOO:?\\\"custom error\\\"}\": FOO: custom error", Plans.Error("ARG FOO=${FOO:?\"custom error\"}\nFROM scratch\n"));
        Assert.Equal("Dockerfile:3: failed to process \"${FOO:?\\\"foo missing\\\"}\": FOO: foo missing", Plans.Error("FROM scratch\nARG FOO\nARG BAR=${FOO:?\"foo missing\"}\n"));
        Assert.Equal("Dockerfile:4: failed to process \"${FOO:?\\\"foo missing\\\"}\": FOO: foo missing", Plans.Error("FROM scratch\nARG FOO\nENV A=1\nWORKDIR ${FOO:?\"foo missing\"}\n"));
        Assert.Equal("Dockerfile:2: failed to process \"${X\": syntax error: missing '}'", Plans.Error("FROM scratch\nWORKDIR ${X\n"));
    }

    private sealed class Images(BaseImageConfig config) : IBaseImageConfigSource
    {
        public BaseImageConfig? Find(string reference, string platform) =>
            reference == "docker.io/library/node:latest" && platform == "linux/amd64" ? config : null;
    }
}
