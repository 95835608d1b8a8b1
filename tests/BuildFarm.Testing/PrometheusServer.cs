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
    private readonly ReadyProcess _process;
    private readonly HttpClient _http;

    private PrometheusServer(TempDirectory directory, ReadyProcess process, int port)
    {
        _directory = directory;
        _process = process;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string Log => _process.Log;

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
        ReadyProcess? process;
        try
        {
            process = await ReadyProcess.StartAsync(
                Executable,
                [
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + directory.Combine("data"),
                    "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                ],
                "Server is ready to receive web requests",
                StartTimeout,
                log);
        }
        catch
        {
            directory.Dispose();
            throw;
        }

        if (process is null)
        {
            directory.Dispose();
            throw new InvalidOperationException($"prometheus exited before it was ready on 127.0.0.1:{port}:\n{log}");
        }

        return new PrometheusServer(directory, process, port);
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
        await _process.KillAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
        _http.Dispose();
        _directory.Dispose();
    }
}
