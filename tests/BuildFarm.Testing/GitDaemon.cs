using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace BuildFarm.Testing;

/// <summary>
/// <c>git daemon</c> serving every repository below a directory over <c>git://127.0.0.1:PORT/</c>,
/// read-only. Started on a port that was free a moment ago, and waited for (bounded) until it listens.
/// </summary>
public sealed class GitDaemon : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private readonly Process _process;

    private GitDaemon(Process process, int port)
    {
        _process = process;
        BaseUrl = string.Create(CultureInfo.InvariantCulture, $"git://127.0.0.1:{port}");
    }

    public string BaseUrl { get; }

    public static async Task<GitDaemon> StartAsync(string root)
    {
        var port = FreePort.Pick();
        var start = new ProcessStartInfo("git", ["daemon", "--reuseaddr", "--listen=127.0.0.1", $"--port={port}", $"--base-path={root}", "--export-all", root])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(start)!;
        var daemon = new GitDaemon(process, port);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < StartTimeout)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return daemon;
            }
            catch (SocketException) when (!process.HasExited)
            {
                await Task.Delay(50);
            }
        }

        daemon.Dispose();
        throw new TimeoutException($"git daemon did not listen on 127.0.0.1:{port} within {StartTimeout}.");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
        _process.Dispose();
    }
}
