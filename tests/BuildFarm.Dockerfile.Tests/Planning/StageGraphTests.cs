using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Dockerfile.Tests.Planning;

public sealed class StageGraphTests
{
    private const string ThreeStages = "FROM alpine AS deps\nRUN fetch\nFROM golang AS build\nCOPY --from=deps /deps /deps\nRUN build\nFROM scratch AS docs\nRUN doc\nFROM busybox\nCOPY --from=build /out /app\n";

    [Fact]
    public void Stages_the_target_does_not_need_are_pruned()
    {
        var plan = Plans.Of(ThreeStages);
        Assert.Equal([0, 1, 3], plan.Stages.Select(s => s.Index));
        Assert.Equal("stage-3", plan.Target.DisplayName);
        Assert.Equal(4, plan.StagesInDockerfile);
    }

    [Theory]
    [InlineData("build", new[] { 0, 1 })]
    [InlineData("BUILD", new[] { 0, 1 })]
    [InlineData("Docs", new[] { 2 })]
    public void The_target_is_found_case_insensitively(string target, int[] stages)
    {
        Assert.Equal(stages, Plans.Of(ThreeStages, target).Stages.Select(s => s.Index));
    }

    [Fact]
    public void An_unknown_target_is_rejected()
    {
        Assert.Equal("Dockerfile: target stage \"nope\" could not be found", Plans.Error(ThreeStages, "nope"));
    }

    [Fact]
    public void From_a_stage_by_name_in_any_case()
    {
        var plan = Plans.Of("FROM alpine AS Base\nRUN a\nFROM BASE\nRUN b\n");
        Assert.Equal(StageBase.FromStage(0), plan.Target.Base);
        Assert.Equal(new StepId(0, 1), plan.Target.Steps[0].Parent);
        Assert.Equal(new CacheKeyInput("parent", "step 0.1"), plan.Target.Steps[0].CacheKey[0]);
    }

    [Fact]
    public void From_a_name_defined_later_is_an_image()
    {
        var plan = Plans.Of("FROM later\nRUN x\nFROM alpine AS later\nCOPY --from=0 /a /a\n");
        Assert.Equal(StageBase.FromImage("docker.io/library/later:latest"), plan.Stage(0).Base);
        Assert.Equal(new CacheKeyInput("parent", "image docker.io/library/later:latest linux/amd64"), plan.Stage(0).Steps[0].CacheKey[0]);
    }

    [Fact]
    public void Copy_from_by_index_and_from_an_image()
    {
        var plan = Plans.Of("FROM alpine\nRUN a\nFROM busybox\nCOPY --from=0 /a /a\nCOPY --from=nginx:1.25 /etc/nginx /etc/nginx\n");
        Assert.Equal([0, 1], plan.Stages.Select(s => s.Index));
        Assert.Equal([new StepInput(InputKind.Stage, "stage-0", 0, ["/a"])], plan.Target.Steps[0].Inputs);
        Assert.Equal([new StepInput(InputKind.Image, "docker.io/library/nginx:1.25", null, ["/etc/nginx"])], plan.Target.Steps[1].Inputs);
    }

    [Fact]
    public void A_mount_from_a_stage_is_a_dependency()
    {
        var plan = Plans.Of("FROM alpine AS tools\nRUN make\nFROM alpine AS unrelated\nFROM busybox\nRUN --mount=from=tools,source=/bin,target=/tools /tools/run\n");
        Assert.Equal([0, 2], plan.Stages.Select(s => s.Index));
        Assert.Equal([new StepInput(InputKind.Stage, "tools", 0, ["/bin"])], plan.Last().Inputs);
    }

    [Theory]
    [InlineData("FROM alpine\nCOPY --from=5 /a /a\n", "Dockerfile:2: invalid stage index 5")]
    [InlineData("FROM alpine\nCOPY --from=-1 /a /a\n", "Dockerfile:2: invalid stage index -1")]
    [InlineData("FROM alpine AS a\nCOPY --from=a /x /x\n", "Dockerfile:2: circular dependency detected on stage: a")]
    [InlineData("FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\nCOPY --from=a /y /y\n", "Dockerfile:2: circular dependency detected on stage: a")]
    [InlineData("FROM alpine AS a\nRUN --mount=from=a,target=/m true\n", "Dockerfile:2: circular dependency detected on stage: a")]
    [InlineData("FROM alpine AS a\nCOPY --from=b /x /x\nFROM alpine AS b\nFROM a\n", "Dockerfile:2: cannot copy from stage \"b\", it needs to be defined before current stage \"a\"")]
    [InlineData("FROM alpine\nCOPY --from=1 /x /x\nFROM alpine AS b\nCOPY --from=0 /y /y\n", "Dockerfile:2: circular dependency detected on stage: stage-0")]
    [InlineData("FROM alpine AS first\nRUN --mount=from=later,target=/m true\nFROM alpine AS later\nFROM first\n", "Dockerfile:2: cannot mount from stage \"later\" to \"/m\", stage needs to be defined before current command")]
    [InlineData("RUN true\nFROM alpine\n", "Dockerfile:1: no build stage in current context")]
    [InlineData("ARG A=1\n", "Dockerfile: dockerfile contains no stages to build")]
    [InlineData("FROM $EMPTY\n", "Dockerfile:1: base name ($EMPTY) should not be blank")]
    [InlineData("FROM --platform=$NONE alpine\n", "Dockerfile:1: empty platform value from expression $NONE")]
    [InlineData("FROM Alpine\n", "Dockerfile:1: failed to parse stage name \"Alpine\": invalid reference format: repository name must be lowercase")]
    [InlineData("FROM alpine\nCOPY https://example.com/a /a\n", "Dockerfile:2: source can't be a URL for COPY")]
    [InlineData("FROM alpine\nCOPY git@github.com:moby/buildkit.git /src\n", "Dockerfile:2: source can't be a git ref for COPY")]
    [InlineData("FROM alpine\nADD --checksum=sha256:abc a b /c/\n", "Dockerfile:2: checksum can't be specified for multiple sources")]
    [InlineData("FROM alpine\nADD --checksum=sha256:abc a /c\n", "Dockerfile:2: checksum requires HTTP(S) or Git sources")]
    [InlineData("FROM alpine\nCOPY --chmod=0999 a /c\n", "Dockerfile:2: invalid chmod parameter: '0999'. it should be octal string and between 0 and 07777")]
    [InlineData("FROM alpine\nCOPY --chmod=17777 a /c\n", "Dockerfile:2: invalid chmod parameter: '17777'. it should be octal string and between 0 and 07777")]
    [InlineData("FROM alpine\nSTOPSIGNAL SIGNOPE\n", "Dockerfile:2: Invalid signal: SIGNOPE")]
    [InlineData("FROM alpine\nRUN --mount=type=cache,target=/ true\n", "Dockerfile:2: invalid mount target \"/\"")]
    [InlineData("FROM alpine\nRUN --mount=type=ssh,source=x true\n", "Dockerfile:2: ssh does not support source")]
    [InlineData("FROM alpine\nENV\n", "Dockerfile:2: ENV requires at least one argument")]
    public void Bad_references_and_values_are_rejected_with_their_line(string dockerfile, string error)
    {
        Assert.Equal(error, Plans.Error(dockerfile));
    }

    [Fact]
    public void A_trigger_with_a_heredoc_keeps_its_body_in_the_stage_built_on_it()
    {
        var plan = Plans.Of("FROM alpine AS base\nONBUILD RUN <<EOF\necho hi > /dest\nEOF\nFROM base\n");
        Assert.Equal(["/bin/sh", "-c", "echo hi > /dest\n"], plan.Target.Steps.Single().Command);
        Assert.Equal("RUN <<EOF\necho hi > /dest\nEOF", ((OnbuildInstruction)plan.Stage(0).Steps.Single().Instruction).Expression);
    }

    [Fact]
    public void Onbuild_triggers_of_a_base_stage_run_first_in_the_stage_built_on_it()
    {
        var plan = Plans.Of("FROM alpine AS tools\nRUN make\nFROM alpine AS base\nONBUILD COPY --from=tools /bin/tool /usr/bin/\nONBUILD RUN tool\nFROM base\nRUN after\n");
        Assert.Equal([0, 1, 2], plan.Stages.Select(s => s.Index));
        var steps = plan.Target.Steps;
        Assert.Equal(["COPY --from=tools /bin/tool /usr/bin/", "RUN tool", "RUN after"], steps.Select(s => s.Text));
        Assert.Equal([true, true, false], steps.Select(s => s.FromOnbuild));
        Assert.Equal(6, steps[0].Instruction.Location.StartLine);
        Assert.Equal("ONBUILD COPY --from=tools /bin/tool /usr/bin/", plan.Stage(1).Steps[0].Text);
    }
}
