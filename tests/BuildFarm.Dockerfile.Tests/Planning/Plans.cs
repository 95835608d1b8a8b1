using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Dockerfile.Tests.Planning;

/// <summary>Plans a Dockerfile held in a string, as a build with these options would.</summary>
internal static class Plans
{
    public static BuildPlan Of(string dockerfile, string? target = null, params string[] buildArgs) =>
        BuildPlanner.Plan(dockerfile, "Dockerfile", Options(target, buildArgs));

    public static BuildPlanOptions Options(string? target = null, params string[] buildArgs) => new()
    {
        Target = target,
        BuildArgs = buildArgs.Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1]),
    };

    public static string Error(string dockerfile, string? target = null, params string[] buildArgs) =>
        Assert.Throws<DockerfileException>(() => Of(dockerfile, target, buildArgs)).Message;

    /// <summary>The variables a RUN step runs with, as NAME=value.</summary>
    public static IEnumerable<string> Env(this PlannedStep step) => step.Environment.Select(v => $"{v.Name}={v.Value}");

    /// <summary>The last step of the target stage.</summary>
    public static PlannedStep Last(this BuildPlan plan) => plan.Target.Steps[^1];
}
