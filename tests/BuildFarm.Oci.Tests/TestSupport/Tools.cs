using System.Diagnostics;

namespace BuildFarm.Oci.Tests.TestSupport;

/// <summary>Runs the real command-line tools tests compare against (tar, gzip, skopeo, umoci, mount).</summary>
public static class Tools
{
    public static string Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, bool allowFailure = false)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && !allowFailure)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}: {stderr.Result}");
        }

        return stdout;
    }

    /// <summary>Runs a shell command line (for pipes); fails the test when it fails.</summary>
    public static string Shell(string command, string? workingDirectory = null) => Run("/bin/sh", ["-c", command], workingDirectory);
}
