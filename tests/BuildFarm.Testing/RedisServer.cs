using System.Text;

namespace BuildFarm.Testing;

/// <summary>
/// A real Redis — Debian's <c>redis-server</c> — on 127.0.0.1 with a free port and its own
/// directory, from arguments this class gives (never the packaged config, never the system
/// service). Writes go to an append-only file, so that a restart on the same directory keeps the
/// cluster's membership and grain state, as a production Redis must. Killed and deleted on dispose.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/redis-server";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new("buildfarm-redis");
    private readonly StringBuilder _log = new();
    private ReadyProcess? _process;

    private RedisServer()
    {
    }

    public int Port { get; private set; }

    /// <summary>As <c>farm server --redis</c> takes it: <c>127.0.0.1:port</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public int ProcessId => _process?.Id ?? throw new InvalidOperationException("redis-server is not running");

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

    public static async Task<RedisServer> StartAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: run deploy/host-packages.sh (Debian package redis-server).");
        }

        var server = new RedisServer();
        try
        {
            // Bounded: another process may take the free port between picking and binding it.
            for (var attempt = 1; ; attempt++)
            {
                server.Port = FreePort.Pick();
                if (await server.LaunchAsync() || attempt == 5)
                {
                    return server._process is not null ? server : throw new InvalidOperationException($"redis-server did not start on 127.0.0.1:{server.Port}:\n{server.Log}");
                }
            }
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL, as a crash: what it wrote to its append-only file stays.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            await process.KillAsync(StartTimeout);
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts it again on the same port and directory.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        if (!await LaunchAsync())
        {
            throw new InvalidOperationException($"redis-server did not start again on 127.0.0.1:{Port}:\n{Log}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _directory.Dispose();
    }

    // True once it accepts connections; false (and no process) when it exited first, as when its port was taken.
    private async Task<bool> LaunchAsync()
    {
        _process = await ReadyProcess.StartAsync(
            Executable,
            [
                "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1",
                "--dir", _directory.Path,
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--save", string.Empty,
                "--daemonize", "no",
                "--protected-mode", "yes",
            ],
            "Ready to accept connections",
            StartTimeout,
            _log);
        return _process is not null;
    }
}
