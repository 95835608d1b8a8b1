using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Dockerfile.Tests.Planning;

public sealed class StepTests
{
    [Fact]
    public void A_run_step_key_holds_parent_instruction_command_environment_and_mounts()
    {
        var plan = Plans.Of("FROM alpine:3.19 AS build\nWORKDIR /src\nENV GOFLAGS=-mod=vendor\nUSER builder\nRUN --mount=type=cache,target=.cache --mount=type=bind,source=go.sum,target=go.sum --mount=type=secret,id=token go build ./...\n");
        var run = plan.Last();
        Assert.Equal(new StepId(0, 4), run.Id);
        Assert.Equal(new StepId(0, 3), run.Parent);
        Assert.Equal(
            [
                new CacheKeyInput("parent", "step 0.3"),
                new CacheKeyInput("instruction", "RUN --mount=type=cache,target=/src/.cache,id=.cache,sharing=shared,rw --mount=type=bind,target=/src/go.sum,source=go.sum,ro --mount=type=secret,target=/run/secrets/token,id=token,ro go build ./..."),
                new CacheKeyInput("command", "[\"/bin/sh\",\"-c\",\"go build ./...\"]"),
                new CacheKeyInput("env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
                new CacheKeyInput("env", "GOFLAGS=-mod=vendor"),
                new CacheKeyInput("workdir", "/src"),
                new CacheKeyInput("user", "builder"),
                new CacheKeyInput("platform", "linux/amd64"),
                new CacheKeyInput("mount", "type=cache,target=/src/.cache,id=.cache,sharing=shared,rw"),
                new CacheKeyInput("mount", "type=bind,target=/src/go.sum,source=go.sum,ro"),
                new CacheKeyInput("mount", "type=secret,target=/run/secrets/token,id=token,ro"),
                new CacheKeyInput("input", "context /go.sum"),
            ],
            run.CacheKey);
    }

    [Fact]
    public void The_first_step_on_an_image_names_the_image_and_platform()
    {
        var first = Plans.Of("FROM --platform=linux/arm64/v8 alpine\nENV A=1\n").Last();
        Assert.Null(first.Parent);
        Assert.Equal([new CacheKeyInput("parent", "image docker.io/library/alpine:latest linux/arm64/v8"), new CacheKeyInput("instruction", "ENV A=1")], first.CacheKey);
        Assert.Equal(new CacheKeyInput("parent", "scratch"), Plans.Of("FROM scratch\nENV A=1\n").Last().CacheKey[0]);
    }

    [Fact]
    public void Metadata_steps_make_no_layer()
    {
        var plan = Plans.Of("FROM scratch\nENV A=1\nARG B\nLABEL l=v\nEXPOSE 80\nVOLUME /v\nUSER u\nSHELL [\"/bin/bash\", \"-c\"]\nSTOPSIGNAL 9\nHEALTHCHECK NONE\nCMD run\nENTRYPOINT [\"e\"]\nONBUILD RUN x\nMAINTAINER m\nWORKDIR /\nWORKDIR /app\nCOPY a /a\nADD b /b\nRUN c\n");
        Assert.Equal(
            ["ENV:False", "ARG:False", "LABEL:False", "EXPOSE:False", "VOLUME:False", "USER:False", "SHELL:False", "STOPSIGNAL:False", "HEALTHCHECK:False", "CMD:False", "ENTRYPOINT:False", "ONBUILD:False", "MAINTAINER:False", "WORKDIR:False", "WORKDIR:True", "COPY:True", "ADD:True", "RUN:True"],
            plan.Target.Steps.Select(s => $"{s.Instruction.Keyword}:{s.ProducesLayer}"));
    }

    [Fact]
    public void Shell_applies_to_later_shell_form_commands()
    {
        var steps = Plans.Of("FROM scratch\nCMD a b\nSHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN x | y\nENTRYPOINT exec app\nCMD [\"p\"]\n").Target.Steps;
        Assert.Equal(["/bin/sh", "-c", "a b"], steps[0].Command);
        Assert.Equal(["/bin/bash", "-eo", "pipefail", "-c", "x | y"], steps[2].Command);
        Assert.Equal(["/bin/bash", "-eo", "pipefail", "-c", "exec app"], steps[3].Command);
        Assert.Equal(["p"], steps[4].Command);
    }

    [Fact]
    public void Copy_destinations_become_absolute_relative_to_the_working_directory()
    {
        var steps = Plans.Of("FROM scratch\nWORKDIR /app\nCOPY a .\nCOPY a b\nCOPY a b/\nCOPY a ../up/./x\nWORKDIR sub\nCOPY a ./\n").Target.Steps;
        Assert.Equal(["/app/", "/app/b", "/app/b/", "/up/x", "/app/sub/"], steps.OfType<PlannedStep>().Select(s => s.Instruction).OfType<CopyInstruction>().Select(c => c.Destination));
    }

    [Fact]
    public void Copy_and_add_inputs_name_what_they_read()
    {
        var steps = Plans.Of("FROM scratch\nCOPY src/ ./lib/*.so /x/\nADD https://example.com/a.tgz https://github.com/moby/buildkit.git#v0.12 local.tar /y/\nCOPY <<EOF /z\nhi\nEOF\n").Target.Steps;
        Assert.Equal([new StepInput(InputKind.Context, null, null, ["/src", "/lib/*.so"])], steps[0].Inputs);
        Assert.Equal(
            [
                new StepInput(InputKind.Url, "https://example.com/a.tgz", null, []),
                new StepInput(InputKind.Git, "https://github.com/moby/buildkit.git#v0.12", null, []),
                new StepInput(InputKind.Context, null, null, ["/local.tar"]),
            ],
            steps[1].Inputs);
        Assert.Equal([new StepInput(InputKind.Inline, "EOF", null, ["EOF"], "hi\n")], steps[2].Inputs);
        Assert.Equal("COPY <<EOF /z\nhi\nEOF", steps[2].Text);
    }

    [Fact]
    public void Mount_defaults_are_filled_in()
    {
        var run = Plans.Of("FROM scratch\nWORKDIR /w\nRUN --mount=type=cache,target=/var/cache/apt/ --mount=type=secret,target=/etc/key --mount=type=secret,id=aws,env=AWS_KEY --mount=type=ssh --mount=type=tmpfs,target=tmp --mount=target=/ctx x\n").Last();
        Assert.Equal(
            [
                new RunMount(MountType.Cache, "/var/cache/apt", null, null, false, "/var/cache/apt", CacheSharing.Shared, false, null, null, null, null, 0),
                new RunMount(MountType.Secret, "/etc/key", null, null, true, "key", null, false, null, null, null, null, 0),
                new RunMount(MountType.Secret, null, null, null, true, "aws", null, false, "AWS_KEY", null, null, null, 0),
                new RunMount(MountType.Ssh, null, null, null, true, "default", null, false, null, null, null, null, 0),
                new RunMount(MountType.Tmpfs, "/w/tmp", null, null, false, null, null, false, null, null, null, null, 0),
                new RunMount(MountType.Bind, "/ctx", null, null, true, null, null, false, null, null, null, null, 0),
            ],
            run.Mounts);
        Assert.Equal([new StepInput(InputKind.Context, null, null, ["/"])], run.Inputs);
    }

    [Fact]
    public void Workdir_resolves_relative_paths_and_its_key_holds_the_user()
    {
        var step = Plans.Of("FROM scratch\nUSER app\nWORKDIR a/b/../c\n").Last();
        Assert.Equal("WORKDIR /a/c", step.Text);
        Assert.Equal([new CacheKeyInput("parent", "step 0.1"), new CacheKeyInput("instruction", "WORKDIR /a/c"), new CacheKeyInput("user", "app")], step.CacheKey);
    }

    [Fact]
    public void Healthcheck_text_spells_out_its_flags()
    {
        Assert.Equal(
            "HEALTHCHECK --interval=1m30s --timeout=5s --retries=2 CMD [\"probe\"]",
            Plans.Of("FROM scratch\nHEALTHCHECK --retries=2 --timeout=5s --interval=90s CMD [\"probe\"]\n").Last().Text);
    }

    [Fact]
    public void Parse_errors_come_out_as_the_frontend_error()
    {
        var error = Assert.Throws<DockerfileException>(() => Plans.Of("FROM scratch\nENV A\n"));
        Assert.Equal("Dockerfile:2: ENV must have two arguments", error.Message);
    }
}
