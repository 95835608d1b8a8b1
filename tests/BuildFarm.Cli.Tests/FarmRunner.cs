using System.CommandLine;

namespace BuildFarm.Cli.Tests;

/// <summary>Runs the <c>farm</c> command tree in process and captures what it prints.</summary>
internal static class FarmRunner
{
    public static Task<FarmResult> RunAsync(params string[] args) => RunAsync(FarmEnvironment.FromProcess(), args);

    public static async Task<FarmResult> RunAsync(FarmEnvironment environment, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await FarmCommandLine.Create(environment)
            .Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return new FarmResult(exitCode, output.ToString(), error.ToString());
    }
}

internal sealed record FarmResult(int ExitCode, string Output, string Error);
