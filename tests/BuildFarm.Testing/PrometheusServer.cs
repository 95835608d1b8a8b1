using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace BuildFarm.Testing;

/// <summary>
/// A real Prometheus — Debian's <c>prometheus</c> — on 127.0.0.1 with a free port and its own
/// storage, scraping the given <c>/metrics</c> addresses every second under one job. Killed and
/// deleted on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Executable = "/usr/bin/prometheus";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly TempDirectory _directory;
    private readonly Process _process;
    private readonly StringBuilder _log;
    private readonly HttpClient _http;

    private PrometheusServer(TempDirectory directory, Process process, StringBuilder log, int port)
    {
        _directory = directory;
        _process = process;
        _log = log;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

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

    /// <param name="job">The job name every target is scraped under.</param>
    /// <param name="targets">The <c>/metrics</c> addresses, as <c>http://host:port/metrics</c>.</param>
    public static async Task<PrometheusServer> StartAsync(string job, IEnumerable<Uri> targets)
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"{Executable} is missing: run deploy/host-packages.sh (Debian package prometheus).");
        }

        var directory = new TempDirectory("buildfarm-prometheus");
        var config = directory.Combine("prometheus.yml");
        var listed = string.Join(", ", targets.Select(target => $"'{target.Authority}'"));
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: {job}
                metrics_path: /metrics
                static_configs:
                  - targets: [{listed}]
            """);
        var port = FreePort.Pick();
        var log = new StringBuilder();
        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process
        {
            StartInfo = new ProcessStartInfo(Executable,
            [
                "--config.file=" + config,
                "--storage.tsdb.path=" + directory.Combine("data"),
                "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
            ])
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

            if (e.Data.Contains("Server is ready to receive web requests", StringComparison.Ordinal))
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
        var server = new PrometheusServer(directory, process, log, port);
        bool started;
        try
        {
            started = await ready.Task.WaitAsync(StartTimeout);
        }
        catch (TimeoutException)
        {
            started = false;
        }

        if (!started)
        {
            var output = server.Log;
            await server.DisposeAsync();
            throw new InvalidOperationException($"prometheus did not start on 127.0.0.1:{port}:\n{output}");
        }

        return server;
    }

    /// <summary>An instant PromQL query; each series of the result as its labels and value.</summary>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, double Value)>> QueryAsync(string promql)
    {
        using var response = await _http.GetAsync("api/v1/query?query=" + Uri.EscapeDataString(promql));
        response.EnsureSuccessStatusCode();
        using var body = await response.Content.ReadFromJsonAsync<JsonDocument>() ?? throw new InvalidDataException("prometheus answered with no body");
        return [.. body.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(series => (
            (IReadOnlyDictionary<string, string>)series.GetProperty("metric").EnumerateObject().ToDictionary(label => label.Name, label => label.Value.GetString()!),
            double.Parse(series.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))];
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        _process.Dispose();
        _http.Dispose();
        _directory.Dispose();
    }
}
