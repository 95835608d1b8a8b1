using System.Diagnostics;
using System.Text;

namespace BuildFarm.Testing;

/// <summary>
/// A server program a test starts (redis-server, prometheus, docker-registry): everything it prints is kept, and
/// it counts as started once a line of its output says it is ready.
/// </summary>
public sealed class ReadyProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log;

    private ReadyProcess(Process process, StringBuilder log)
    {
        _process = process;
        _log = log;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the program and waits for a line holding <paramref name="readyText"/>.</summary>
    /// <param name="log">Where its output goes, kept across restarts by the caller.</param>
    /// <returns>The running process; null when it exited before it was ready (as when its port was taken).</returns>
    /// <exception cref="TimeoutException">It was not ready within <paramref name="timeout"/>; it has been killed.</exception>
    public static async Task<ReadyProcess?> StartAsync(string fileName, IEnumerable<string> arguments, string readyText, TimeSpan timeout, StringBuilder log)
    {
        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(fileName, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            },
            EnableRaisingEvents = true,
        };
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (e.Data.Contains(readyText, StringComparison.Ordinal))
            {
                ready.TrySetResult(true);
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.Exited += (_, _) => ready.TrySetResult(false);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (await ready.Task.WaitAsync(timeout))
            {
                return new ReadyProcess(process, log);
            }
        }
        catch (TimeoutException)
        {
            process.Kill();
            process.Dispose();
            throw new TimeoutException($"{Path.GetFileName(fileName)} did not print \"{readyText}\" within {timeout}:\n{log}");
        }

        process.Dispose();
        return null;
    }

    /// <summary>SIGKILL, and waits for the exit.</summary>
    public async Task KillAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
    }

    public void Dispose() => _process.Dispose();
}
