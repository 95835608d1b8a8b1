using System.CommandLine;
using BuildFarm.Dockerfile;
using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Cli.Commands;

/// <summary>
/// <c>farm debug plan [-f FILE] [--target T] [--build-arg K=V ...]</c>: prints the stages and
/// steps a build would run, in order, with what each step's cache key is made of.
/// </summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var file = DockerfileInput.CreateFileOption("The Dockerfile to plan.");
        var target = new Option<string?>("--target") { Description = "The stage to build (default: the last)." };
        var buildArgs = new Option<string[]>("--build-arg")
        {
            Description = "A build arg, NAME=value (or NAME to take the value from the environment). Repeatable.",
        };

        var command = new Command("plan", "Print the build plan: stages, steps and what each step's cache key is made of.")
        {
            file,
            target,
            buildArgs,
        };
        command.SetAction(result => Run(
            result.GetValue(file)!,
            result.GetValue(target),
            result.GetValue(buildArgs) ?? [],
            result.InvocationConfiguration.Output,
            result.InvocationConfiguration.Error));
        return command;
    }

    private static int Run(string file, string? target, string[] buildArgs, TextWriter output, TextWriter error)
    {
        var args = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arg in buildArgs)
        {
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals == 0)
            {
                error.WriteLine($"invalid --build-arg \"{arg}\": the name is empty");
                return 1;
            }

            if (equals > 0)
            {
                args[arg[..equals]] = arg[(equals + 1)..];
            }
            else if (Environment.GetEnvironmentVariable(arg) is { } fromEnvironment)
            {
                // As docker build does: a bare NAME takes its value from the environment, if set.
                args[arg] = fromEnvironment;
            }
        }

        if (!DockerfileInput.TryParse(file, error, out var parsed))
        {
            return 1;
        }

        try
        {
            var plan = BuildPlanner.Plan(parsed, new BuildPlanOptions { BuildArgs = args, Target = target });
            BuildPlanWriter.Write(plan, output);
            return 0;
        }
        catch (DockerfileException e)
        {
            error.WriteLine(e.Message);
            return 1;
        }
    }
}
