using BuildFarm.Dockerfile.Scoping;

namespace BuildFarm.Dockerfile.Planning.Internal;

/// <summary>What a stage has set so far: the part of the image config later steps see.</summary>
internal sealed class StageState
{
    public required VariableScope Variables { get; init; }

    public required string WorkingDirectory { get; set; }

    public required string User { get; set; }

    public required IReadOnlyList<string> Shell { get; set; }

    /// <summary>The stage's last step, or the one it continues from; null on top of an image or scratch.</summary>
    public StepId? LastStep { get; set; }

    /// <summary>The state a stage built FROM this one starts with.</summary>
    public StageState Clone() => new()
    {
        Variables = Variables.Clone(),
        WorkingDirectory = WorkingDirectory,
        User = User,
        Shell = Shell,
        LastStep = LastStep,
    };

    /// <summary>The state on top of an image (or scratch): its config, and a PATH when it sets none.</summary>
    public static StageState FromImage(BaseImageConfig config)
    {
        var variables = new VariableScope();
        foreach (var entry in config.Env)
        {
            var equals = entry.IndexOf('=', StringComparison.Ordinal);
            variables.Set(equals < 0 ? entry : entry[..equals], equals < 0 ? string.Empty : entry[(equals + 1)..], VariableOrigin.Image);
        }

        if (!variables.TryGet("PATH", out _))
        {
            variables.Set("PATH", BaseImageConfig.DefaultPath, VariableOrigin.Image);
        }

        return new StageState
        {
            Variables = variables,
            WorkingDirectory = config.WorkingDir.Length == 0 ? "/" : config.WorkingDir,
            User = config.User,
            Shell = config.Shell.Count == 0 ? BaseImageConfig.DefaultShell : config.Shell,
        };
    }
}
