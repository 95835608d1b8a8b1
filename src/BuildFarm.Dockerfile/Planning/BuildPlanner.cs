using BuildFarm.Dockerfile.Expansion;
using BuildFarm.Dockerfile.Parsing;
using BuildFarm.Dockerfile.Planning.Internal;
using BuildFarm.Dockerfile.Scoping;

namespace BuildFarm.Dockerfile.Planning;

/// <summary>
/// Makes the <see cref="BuildPlan"/> of a Dockerfile: types its instructions, resolves global
/// ARGs and FROM lines, builds the stage graph, keeps the stages the target needs, and plans
/// each of their steps with BuildKit's ARG/ENV scoping and expansion rules.
/// </summary>
public static class BuildPlanner
{
    /// <summary>Parses and plans a Dockerfile.</summary>
    /// <exception cref="DockerfileException">Anything wrong with the Dockerfile or the options, as <c>file:line: message</c>.</exception>
    public static BuildPlan Plan(string text, string fileName, BuildPlanOptions options)
    {
        return Plan(DockerfileParser.Parse(text, fileName), options);
    }

    /// <summary>Plans an already parsed Dockerfile.</summary>
    /// <exception cref="DockerfileException">Anything wrong with the Dockerfile or the options, as <c>file:line: message</c>.</exception>
    public static BuildPlan Plan(ParsedDockerfile dockerfile, BuildPlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(dockerfile);
        ArgumentNullException.ThrowIfNull(options);
        var stages = DockerfileStages.From(dockerfile);
        var expander = new ShellWordExpander(dockerfile.EscapeToken);
        var targetName = string.IsNullOrEmpty(options.Target) ? stages.Stages[^1].From.StageName : options.Target;
        var globals = GlobalArgs.Resolve(
            stages.GlobalArgs,
            PredefinedArgs.Platform(options.Platform, targetName, options.BuildArgs),
            options.BuildArgs,
            expander);

        var graph = StageGraph.Build(stages, globals, expander, options, dockerfile.FileName);
        var dispatcher = new StageDispatcher(graph, globals, expander, options);
        var planned = graph.Needed.Select(dispatcher.Dispatch).ToList();

        var warnings = dockerfile.Warnings.Select(w => $"{w.Location}: {w.Message}").ToList();
        var unused = options.BuildArgs.Keys
            .Where(name => !globals.Declared.Contains(name) && !dispatcher.DeclaredArgs.Contains(name)
                && !PredefinedArgs.IsProxy(name) && !PredefinedArgs.IsPlatform(name))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (unused.Count > 0)
        {
            warnings.Add($"One or more build-args [{string.Join(' ', unused)}] were not consumed");
        }

        return new BuildPlan(dockerfile.FileName, planned, warnings, stages.Stages.Count);
    }
}
