using System.Diagnostics;

namespace BuildFarm.Execution.Sandbox.Internal;

/// <summary>runc with its state under the engine's own root, apart from the host's <c>/run/runc</c>.</summary>
internal sealed class RuncCommand(string runcPath, string stateRoot)
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    public string StateRoot { get; } = stateRoot;

    /// <summary>
    /// Starts <c>runc run</c> in the foreground: the container's stdio are our pipes, its exit
    /// code runc's. runc's own log goes to a file in the bundle, so that the process's stderr
    /// carries only runc's one-line error, if any (<c>runc run failed: ...</c>).
    /// </summary>
    public Process StartRun(string bundle, string containerId)
    {
        var start = CreateStartInfo(["--log", Path.Combine(bundle, "runc.log"), "--log-format", "json", "run", "--bundle", bundle, containerId]);
        start.RedirectStandardInput = true;
        return Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {runcPath}.");
    }

    /// <summary>Whether runc has state for the container (created, running or stopped).</summary>
    public bool Exists(string containerId) => Directory.Exists(Path.Combine(StateRoot, containerId));

    /// <summary>Kills every process of the container and deletes its state; quiet when it is already gone.</summary>
    public async Task DeleteForceAsync(string containerId)
    {
        if (!Exists(containerId))
        {
            return;
        }

        using var process = Process.Start(CreateStartInfo(["delete", "--force", containerId])) ?? throw new InvalidOperationException($"Cannot start {runcPath}.");
        var error = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(CommandTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"runc delete --force {containerId} did not finish within {CommandTimeout.TotalSeconds} s.");
        }

        if (process.ExitCode != 0 && Exists(containerId))
        {
            throw new InvalidOperationException($"runc delete --force {containerId} failed ({process.ExitCode}): {(await error.ConfigureAwait(false)).Trim()}");
        }
    }

    /// <summary>Deletes every container in the state root: what a crashed process left running or recorded.</summary>
    public async Task DeleteAllAsync()
    {
        if (!Directory.Exists(StateRoot))
        {
            return;
        }

        foreach (var state in Directory.EnumerateDirectories(StateRoot))
        {
            var id = Path.GetFileName(state);
            try
            {
                await DeleteForceAsync(id).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // State whose container cannot be found any more (its process and cgroup went
                // with a reboot): nothing is left to kill, only the record to remove.
            }

            if (Directory.Exists(state))
            {
                Directory.Delete(state, recursive: true);
            }
        }
    }

    private ProcessStartInfo CreateStartInfo(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(runcPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--root");
        start.ArgumentList.Add(StateRoot);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }
}
