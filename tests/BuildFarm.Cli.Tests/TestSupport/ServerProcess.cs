using System.Text;
using System.Text.RegularExpressions;
using BuildFarm.Testing;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace BuildFarm.Cli.Tests.TestSupport;

/// <summary>
/// <c>farm server</c> as a process of its own over a data directory, on ports picked free.
/// Started means its gRPC health check answers Serving; stopping is SIGTERM, then a kill when it
/// does not exit in time. It can be started again on the same data directory (and ports).
/// </summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromSeconds(10);

    private readonly string _dataDirectory;
    private readonly string _home;
    private readonly StringBuilder _earlierLogs = new();
    private FarmProcess? _process;
    private int _port;
    private int _metricsPort;

    private readonly IReadOnlyList<string> _arguments;

    private ServerProcess(string dataDirectory, string home, IReadOnlyList<string> arguments)
    {
        _dataDirectory = dataDirectory;
        _home = home;
        _arguments = arguments;
    }

    /// <summary>The gRPC API, as <c>--server</c> takes it.</summary>
    public Uri Address => new($"http://127.0.0.1:{_port}/");

    public Uri MetricsAddress => new($"http://127.0.0.1:{_metricsPort}/metrics");

    public int ProcessId => Running.Id;

    /// <summary>What every run of the server printed, oldest first.</summary>
    public string Log => _earlierLogs + (_process?.Transcript ?? string.Empty);

    private FarmProcess Running => _process ?? throw new InvalidOperationException("the server is not running");

    /// <summary>The silo's name, <c>address:silo-port</c>, as its announcement gave it.</summary>
    public string SiloName => SiloNamePattern().Match(Log) is { Success: true } match ? match.Groups["silo"].Value : throw new InvalidOperationException($"the server did not announce its silo:\n{Log}");

    /// <param name="arguments">More <c>farm server</c> arguments: a cluster's <c>--redis</c>, ports, slots.</param>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, string home, IReadOnlyList<string>? arguments = null)
    {
        var server = new ServerProcess(dataDirectory, home, arguments ?? []);
        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server (again) on its data directory: on the ports it had when they are free, else on new ones.</summary>
    public async Task StartAsync()
    {
        if (_process is not null)
        {
            throw new InvalidOperationException("the server is already running");
        }

        // Bounded: another process may take a free port between picking and binding it.
        for (var attempt = 1; ; attempt++)
        {
            if (_port == 0 || attempt > 1)
            {
                (_port, _metricsPort) = (FreePort.Pick(), FreePort.Pick());
            }

            _process = FarmProcess.Start(_home, ["--data-dir", _dataDirectory, "server", "--listen", $"127.0.0.1:{_port}", "--metrics-listen", $"127.0.0.1:{_metricsPort}", .. _arguments]);
            try
            {
                await _process.WaitForOutputAsync("farm server listening on", StartTimeout);
                break;
            }
            catch (InvalidOperationException) when (attempt < 5 && _process.Error.Contains("address already in use", StringComparison.Ordinal))
            {
                ForgetProcess();
            }
        }

        await EnsureServingAsync();
    }

    /// <summary>SIGTERM, as a service manager stops it; returns its exit code. Past the stop timeout it is killed and this fails.</summary>
    public async Task<int> StopAsync()
    {
        var process = Running;
        try
        {
            process.Terminate();
            return (await process.WaitForExitAsync(StopTimeout)).ExitCode;
        }
        finally
        {
            ForgetProcess();
        }
    }

    /// <summary>Kills the server alone, as a crash would: what it ran (runc, the steps) and mounted stays for the next start to clear.</summary>
    public async Task CrashAsync()
    {
        var process = Running;
        try
        {
            process.Crash();
            await process.WaitForExitAsync(StopTimeout);
        }
        finally
        {
            ForgetProcess();
        }
    }

    public async Task<string> ScrapeMetricsAsync()
    {
        using var http = new HttpClient { Timeout = HealthTimeout };
        return await http.GetStringAsync(MetricsAddress);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            try
            {
                await StopAsync();
            }
            catch (TimeoutException)
            {
                // StopAsync killed it; a test that cared about a clean stop asserted on StopAsync itself.
            }
        }
    }

    // The announcement line means Kestrel is bound; the health check proves the API behind it answers.
    private async Task EnsureServingAsync()
    {
        using var channel = GrpcChannel.ForAddress(Address);
        var health = new Health.HealthClient(channel);
        HealthCheckResponse response;
        try
        {
            response = await health.CheckAsync(new HealthCheckRequest(), new CallOptions(deadline: DateTime.UtcNow + HealthTimeout).WithWaitForReady());
        }
        catch (RpcException e)
        {
            throw new InvalidOperationException($"farm server at {Address} did not answer its health check ({e.Status}):\n{Log}", e);
        }

        if (response.Status != HealthCheckResponse.Types.ServingStatus.Serving)
        {
            throw new InvalidOperationException($"farm server at {Address} is {response.Status}:\n{Log}");
        }
    }

    private void ForgetProcess()
    {
        _earlierLogs.Append(Running.Transcript);
        Running.Dispose();
        _process = null;
    }

    [GeneratedRegex(@"\(silo (?<silo>[^,)]+)")]
    private static partial Regex SiloNamePattern();
}
