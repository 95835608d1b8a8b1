using System.Diagnostics;
using System.Text.RegularExpressions;

namespace BuildFarm.Execution.Files.Internal;

/// <summary>
/// Runs the host's <c>git</c> for an ADD source, shut off from whatever the host configures: no
/// system or user config, no prompts (a remote that asks for credentials fails instead of
/// hanging), ssh in batch mode, and only the network protocols BuildKit accepts
/// (<c>file</c> only where the farm itself asks for it: a checkout fetching from its own fetch).
/// </summary>
internal static partial class GitCommand
{
    private const string NetworkProtocols = "http:https:git:ssh";

    /// <summary>Runs git with <paramref name="arguments"/> and returns its stdout.</summary>
    /// <exception cref="FileCopyException">git failed: the message is <paramref name="failure"/> and git's own error.</exception>
    public static async Task<string> RunAsync(IEnumerable<string> arguments, string failure, CancellationToken cancellationToken, bool allowFile = false, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_ASKPASS"] = "/bin/false";
        start.Environment["SSH_ASKPASS"] = "/bin/false";
        start.Environment["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes";
        start.Environment["GIT_ALLOW_PROTOCOL"] = allowFile ? NetworkProtocols + ":file" : NetworkProtocols;
        start.Environment["LC_ALL"] = "C";
        start.Environment.Remove("GIT_DIR");
        start.Environment.Remove("GIT_WORK_TREE");

        using var process = Process.Start(start) ?? throw new FileCopyException($"{failure}: cannot start git");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var stdout = await output.ConfigureAwait(false);
        var stderr = await errors.ConfigureAwait(false);
        // git may quote the remote it failed to reach: never with the password it holds.
        return process.ExitCode == 0 ? stdout : throw new FileCopyException($"{failure}: {Password().Replace(stderr.Trim(), "${user}xxxxx@")}");
    }

    [GeneratedRegex(@"(?<user>://[^/@:\s]+:)[^@\s/]+@")]
    private static partial Regex Password();
}
