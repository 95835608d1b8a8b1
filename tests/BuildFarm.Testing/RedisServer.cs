using System.Text;

namespace BuildFarm.Testing;

/// <summary>
/// A real Redis — Debian's <c>redis-server</c> — on 127.0.0.1 with a free port (or on an address
/// of a network namespace the test made, standing for another machine) and its own directory, from arguments this class gives (never the packaged config, never the system
/// service). Writes go to an append-only file, so that a restart on the same directory keeps the
/// cluster's membership and grain state, as a production Redis must. Killed and deleted on dispose.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/redis-server";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TempDirectory _directory = new("buildfarm-redis");
    private readonly StringBuilder _log = new();
    private readonly string? _namespace;
    private readonly string _bind;
    private ReadyProcess? _process;

    private RedisServer(string? networkNamespace, string bind)
    {
        (_namespace, _bind) = (networkNamespace, bind);
    }

    public int Port { get; private set; }

    /// <summary>As <c>farm server --redis</c> takes it: <c>address:port</c>.</summary>
    public string Address => $"{_bind}:{Port}";

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

    /// <summary>A Redis on 127.0.0.1.</summary>
    public static Task<RedisServer> StartAsync() => StartAsync(null, "127.0.0.1");

    /// <summary>A Redis inside <paramref name="networkNamespace"/>, on <paramref name="bind"/> (an address there the host routes to).</summary>
    public static async Task<RedisServer> StartAsync(string? networkNamespace, string bind)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: run deploy/host-packages.sh (Debian package redis-server).");
        }

        var server = new RedisServer(networkNamespace, bind);
        try
        {
            // Bounded: another process may take the free port between picking and binding it.
            for (var attempt = 1; ; attempt++)
            {
                server.Port = FreePort.Pick();
                if (await server.LaunchAsync() || attempt == 5)
                {
                    return server._process is not null ? server : throw new InvalidOperationException($"redis-server did not start on {server.Address}:\n{server.Log}");
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
            throw new InvalidOperationException($"redis-server did not start again on {Address}:\n{Log}");
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
        string[] arguments =
            [
                "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--bind", _bind,
                "--dir", _directory.Path,
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--save", string.Empty,
                "--daemonize", "no",
                // Beyond loopback a Redis without a password refuses clients unless told otherwise.
                "--protected-mode", _namespace is null ? "yes" : "no",
            ];
        _process = await ReadyProcess.StartAsync(
            _namespace is null ? Executable : "ip",
            _namespace is null ? arguments : ["netns", "exec", _namespace, Executable, .. arguments],
            "Ready to accept connections",
            StartTimeout,
            _log);
        return _process is not null;
    }
}
