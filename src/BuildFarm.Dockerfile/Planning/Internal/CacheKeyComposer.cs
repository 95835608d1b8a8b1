using BuildFarm.Dockerfile.Instructions;

namespace BuildFarm.Dockerfile.Planning.Internal;

/// <summary>
/// Lists what a step's cache key is made of, in a fixed order. Only what the step can observe
/// enters: the environment only for RUN (the only step that runs a process), the user only
/// where it changes the result, never proxy variables or secret values.
/// </summary>
internal static class CacheKeyComposer
{
    public static IReadOnlyList<CacheKeyInput> Compose(PlannedStep step, string parent, string platform)
    {
        var key = new List<CacheKeyInput>
        {
            new("parent", parent),
            new("instruction", step.Text),
        };

        switch (step.Instruction)
        {
            case RunInstruction:
                key.Add(new("command", InstructionText.Array(step.Command!)));
                key.AddRange(step.Environment.Select(v => new CacheKeyInput("env", $"{v.Name}={v.Value}")));
                key.Add(new("workdir", step.WorkingDirectory));
                key.Add(new("user", step.User));
                key.Add(new("platform", platform));
                key.AddRange(step.Mounts.Select(m => new CacheKeyInput("mount", InstructionText.Mount(m))));
                break;
            case WorkdirInstruction when step.ProducesLayer:
                key.Add(new("user", step.User)); // the directory is created as this user
                break;
        }

        key.AddRange(step.Inputs.Select(i => new CacheKeyInput("input", Describe(i))));
        return key;
    }

    /// <summary>An input in words: <c>context /src</c>, <c>stage 0 build /out/app</c>, <c>image docker.io/library/alpine:latest /etc</c>.</summary>
    public static string Describe(StepInput input)
    {
        var paths = string.Join(' ', input.Paths.Select(InstructionText.Word));
        return input.Kind switch
        {
            InputKind.Context => $"context {paths}",
            InputKind.Stage => $"stage {input.Stage} {input.Reference} {paths}",
            InputKind.Image => $"image {input.Reference} {paths}",
            InputKind.Url => $"url {input.Reference}",
            InputKind.Git => $"git {input.Reference}",
            _ => $"inline {paths}",
        };
    }
}
