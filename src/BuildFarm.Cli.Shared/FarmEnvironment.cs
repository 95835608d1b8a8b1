namespace BuildFarm.Cli;

/// <summary>
/// What <c>farm</c> takes from the process it runs in: environment variables, the home directory,
/// the clock and the standard streams. Tests give their own, so that nothing depends on (or
/// changes) the environment of the test process.
/// </summary>
public sealed record FarmEnvironment
{
    /// <summary>Looks up an environment variable; null when it is not set.</summary>
    public required Func<string, string?> GetVariable { get; init; }

    public required string HomeDirectory { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Opens standard input for binary reads (<c>farm load</c> without <c>-i</c>); the caller disposes it.</summary>
    public required Func<Stream> OpenStandardInput { get; init; }

    /// <summary>Opens standard output for binary writes (<c>farm save</c> without <c>-o</c>); the caller disposes it.</summary>
    public required Func<Stream> OpenStandardOutput { get; init; }

    /// <summary>True when standard input is a terminal, where an archive is never typed in.</summary>
    public bool StandardInputIsTerminal { get; init; }

    /// <summary>True when standard output is a terminal, where an archive must not be written.</summary>
    public bool StandardOutputIsTerminal { get; init; }

    /// <summary>Whether stderr, where build progress goes, is a terminal (live progress) or a log (plain lines).</summary>
    public bool StandardErrorIsTerminal { get; init; }

    /// <summary>The environment of this process.</summary>
    public static FarmEnvironment FromProcess() => new()
    {
        GetVariable = Environment.GetEnvironmentVariable,
        HomeDirectory = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile),
        OpenStandardInput = Console.OpenStandardInput,
        OpenStandardOutput = Console.OpenStandardOutput,
        StandardInputIsTerminal = !Console.IsInputRedirected,
        StandardOutputIsTerminal = !Console.IsOutputRedirected,
        StandardErrorIsTerminal = !Console.IsErrorRedirected,
    };
}
