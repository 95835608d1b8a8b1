using System.Diagnostics;

namespace BuildFarm.Execution.Networking.Internal;

/// <summary>Runs one of the host's network tools (<c>ip</c>, <c>nft</c>) to its end, its script on stdin.</summary>
internal static class HostTool
{
    // These tools talk to the kernel and return at once; the bound only keeps a wedged one from hanging a step.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="program"/>; its exit code, and its stderr trimmed.</summary>
    public static async Task<(int ExitCode, string Error)> TryRunAsync(string program, IReadOnlyList<string> arguments, string? input = null)
    {
        var (exitCode, _, error) = await RunCapturingAsync(program, arguments, input).ConfigureAwait(false);
        return (exitCode, error);
    }

    /// <summary>Runs <paramref name="program"/> for what it prints.</summary>
    /// <exception cref="InvalidOperationException">The tool failed; the message has its command line and stderr.</exception>
    public static async Task<string> ReadAsync(string program, IReadOnlyList<string> arguments)
    {
        var (exitCode, output, error) = await RunCapturingAsync(program, arguments, input: null).ConfigureAwait(false);
        return exitCode == 0 ? output : throw new InvalidOperationException($"{Describe(program, arguments)} failed ({exitCode}): {error}");
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunCapturingAsync(string program, IReadOnlyList<string> arguments, string? input)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {program}.");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        await process.StandardInput.WriteAsync(input ?? string.Empty).ConfigureAwait(false);
        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Describe(program, arguments)} did not finish within {Timeout.TotalSeconds} s.");
        }

        return (process.ExitCode, await output.ConfigureAwait(false), (await error.ConfigureAwait(false)).Trim());
    }

    /// <exception cref="InvalidOperationException">The tool failed; the message has its command line and stderr.</exception>
    public static async Task RunAsync(string program, IReadOnlyList<string> arguments, string? input = null)
    {
        var (exitCode, error) = await TryRunAsync(program, arguments, input).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{Describe(program, arguments)} failed ({exitCode}): {error}");
        }
    }

    private static string Describe(string program, IReadOnlyList<string> arguments) => string.Join(' ', [Path.GetFileName(program), .. arguments]);
}
