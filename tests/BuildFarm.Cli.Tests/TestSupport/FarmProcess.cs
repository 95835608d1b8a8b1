using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;

namespace BuildFarm.Cli.Tests.TestSupport;

/// <summary>
/// One <c>farm</c> command run as a process of its own: <c>dotnet exec farm.dll ...</c>, the CLI this
/// test project builds beside itself. Its environment is cut off from the test host's (no
/// FARM_*, DOCKER_CONFIG or XDG_DATA_HOME, a home of the test's). What it prints is captured as it
/// comes, so a test can wait for a line; disposing kills whatever still runs.
/// </summary>
internal sealed class FarmProcess : IDisposable
{
    public static readonly string Program = Path.Combine(AppContext.BaseDirectory, "farm.dll");

    /// <summary>The program <c>farm server</c> hands over to, beside <see cref="Program"/>.</summary>
    public static readonly string ServerProgram = Path.Combine(AppContext.BaseDirectory, "farm-server.dll");

    // farm needs Microsoft.Extensions.Logging.Abstractions (gRPC's client refers to it) and carries
    // its own copy, but not in this output, which it shares with farm-server: there the SDK leaves
    // that assembly to the ASP.NET framework, which only farm-server's runtime config names.
    private static readonly string RuntimeConfig = Path.Combine(AppContext.BaseDirectory, "farm-server.runtimeconfig.json");

    /// <summary>Long enough for a cold build on a busy 2-core machine; a hung farm fails instead of hanging the run.</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private const int SigTerm = 15;

    private static readonly string[] UnsetVariables = ["FARM_SERVER", "FARM_DATA_DIR", "DOCKER_CONFIG", "XDG_DATA_HOME"];

    private readonly Process _process;
    private readonly string _commandLine;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly List<(string Text, TaskCompletionSource Printed)> _waiters = [];

    private FarmProcess(Process process, string commandLine)
    {
        _process = process;
        _commandLine = commandLine;
    }

    public int Id => _process.Id;

    /// <summary>Standard output so far.</summary>
    public string Output
    {
        get
        {
            lock (_waiters)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Standard error so far.</summary>
    public string Error
    {
        get
        {
            lock (_waiters)
            {
                return _error.ToString();
            }
        }
    }

    /// <summary>The command and everything it printed, for failure messages.</summary>
    public string Transcript => $"$ {_commandLine}\n{Output}{Error}";

    /// <summary>
    /// Writes an executable shell script at <paramref name="path"/> that runs this farm as
    /// <see cref="Start"/> does, for scripts that take the farm program (deploy/local-cluster.sh --farm).
    /// </summary>
    [SupportedOSPlatform("linux")]
    public static string WriteLauncher(string path)
    {
        File.WriteAllText(path, $"#!/bin/sh\nexec dotnet exec --runtimeconfig '{RuntimeConfig}' '{Program}' \"$@\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <param name="environment">Variables to set, or to remove where the value is null, over the test's own.</param>
    public static FarmProcess Start(string home, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("exec");
        startInfo.ArgumentList.Add("--runtimeconfig");
        startInfo.ArgumentList.Add(RuntimeConfig);
        startInfo.ArgumentList.Add(Program);
        var programArguments = startInfo.ArgumentList.Count;
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var variable in UnsetVariables)
        {
            startInfo.Environment.Remove(variable);
        }

        startInfo.Environment["HOME"] = home;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = startInfo };
        var farm = new FarmProcess(process, "farm " + string.Join(' ', startInfo.ArgumentList.Skip(programArguments)));
        process.OutputDataReceived += (_, e) => farm.Append(farm._output, e.Data);
        process.ErrorDataReceived += (_, e) => farm.Append(farm._error, e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return farm;
    }

    /// <summary>Runs a command to its end within <see cref="CommandTimeout"/>.</summary>
    public static async Task<FarmResult> RunAsync(string home, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var farm = Start(home, arguments, environment);
        return await farm.WaitForExitAsync(CommandTimeout);
    }

    /// <summary>Waits until the process has printed a line holding <paramref name="text"/> (on either stream); fails if it exits first or the time runs out.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var printed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            if (HasPrinted(text))
            {
                return;
            }

            _waiters.Add((text, printed));
        }

        try
        {
            await Task.WhenAny(printed.Task, _process.WaitForExitAsync()).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"\"{text}\" was not printed within {timeout}:\n{Transcript}");
        }

        lock (_waiters)
        {
            if (!HasPrinted(text))
            {
                throw new InvalidOperationException($"the process exited with {_process.ExitCode} before printing \"{text}\":\n{Transcript}");
            }
        }
    }

    /// <summary>Waits for the exit and all output; past <paramref name="timeout"/> the process is killed and the wait fails.</summary>
    public async Task<FarmResult> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Kill();
            throw new TimeoutException($"did not exit within {timeout}, killed:\n{Transcript}");
        }

        return new FarmResult(_process.ExitCode, Output, Error);
    }

    /// <summary>Asks the process to stop, as a service manager does.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            SendTerminate(_process.Id);
        }
    }

    /// <summary>SIGKILL to this process alone, as when it crashes: the processes it started live on.</summary>
    public void Crash() => _process.Kill(entireProcessTree: false);

    /// <summary>Sends SIGTERM to any process.</summary>
    public static void SendTerminate(int processId)
    {
        if (SendSignal(processId, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill({processId}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
    }

    private void Append(StringBuilder stream, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_waiters)
        {
            stream.Append(line).Append('\n');
            foreach (var waiter in _waiters.Where(w => line.Contains(w.Text, StringComparison.Ordinal)).ToList())
            {
                waiter.Printed.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private bool HasPrinted(string text) =>
        _output.ToString().Contains(text, StringComparison.Ordinal) || _error.ToString().Contains(text, StringComparison.Ordinal);

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int processId, int signal);
}
