using System.Diagnostics;

namespace BuildFarm.Testing;

/// <summary>What a finished process printed and how it exited.</summary>
public sealed record ProcessResult(int ExitCode, string Output, string Error);

/// <summary>Runs command-line tools (skopeo, umoci, htpasswd, scripts) with a bounded run time.</summary>
public static class ProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout ?? DefaultTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Describe(fileName, startInfo.ArgumentList)} did not finish within {timeout ?? DefaultTimeout}.");
        }

        return new ProcessResult(process.ExitCode, await output, await error);
    }

    /// <summary>Runs the tool and returns its standard output; a non-zero exit throws with what it printed.</summary>
    public static async Task<string> RunCheckedAsync(string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, string? workingDirectory = null)
    {
        var argumentList = arguments.ToList();
        var result = await RunAsync(fileName, argumentList, timeout, workingDirectory);
        return result.ExitCode == 0
            ? result.Output
            : throw new InvalidOperationException(
                $"{Describe(fileName, argumentList)} exited with {result.ExitCode}:\n{result.Error}{result.Output}");
    }

    private static string Describe(string fileName, IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Prepend(fileName));
}
