using BuildFarm.Dockerfile.Planning.Internal;

namespace BuildFarm.Dockerfile.Planning;

/// <summary>
/// Writes a plan as stable, human-readable text (what <c>farm debug plan</c> prints): each
/// needed stage with what it starts from, each step with where it is, whether it makes a layer,
/// and every input of its cache key. Values with line breaks or no text are JSON-quoted so each
/// entry stays on one line.
/// </summary>
public static class BuildPlanWriter
{
    public static void Write(BuildPlan plan, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine($"plan {plan.FileName}: target {plan.Target.DisplayName}, {plan.Stages.Count} of {plan.StagesInDockerfile} stages needed");
        foreach (var stage in plan.Stages)
        {
            writer.WriteLine();
            writer.WriteLine($"stage {stage.Index} {stage.DisplayName}: {Describe(plan, stage.Base)} ({stage.Platform})");
            foreach (var step in stage.Steps)
            {
                var firstLine = step.Text.Split('\n')[0];
                writer.WriteLine($"  step {step.Id} {firstLine}{(step.Text.Contains('\n', StringComparison.Ordinal) ? " <<heredoc" : string.Empty)}");
                writer.WriteLine($"    at: {step.Instruction.Location}");
                writer.WriteLine($"    makes: {(step.ProducesLayer ? "layer" : "config")}");
                if (step.FromOnbuild)
                {
                    writer.WriteLine("    from: ONBUILD of the base stage");
                }

                foreach (var (name, value) in step.ProxyEnvironment)
                {
                    writer.WriteLine($"    proxy (not in cache key): {name}={Value(value)}");
                }

                writer.WriteLine("    cache key:");
                foreach (var input in step.CacheKey)
                {
                    writer.WriteLine($"      {input.Name}: {Value(input.Value)}");
                }
            }
        }

        foreach (var warning in plan.Warnings)
        {
            writer.WriteLine();
            writer.WriteLine($"warning: {warning}");
        }
    }

    private static string Describe(BuildPlan plan, StageBase stageBase) => stageBase.Kind switch
    {
        StageBaseKind.Image => $"image {stageBase.Image}",
        StageBaseKind.Stage => $"stage {stageBase.Stage} {plan.Stage(stageBase.Stage!.Value).DisplayName}",
        _ => "scratch",
    };

    private static string Value(string value) =>
        value.Length == 0 || value.Any(char.IsControl) ? InstructionText.Array([value])[1..^1] : value;
}
