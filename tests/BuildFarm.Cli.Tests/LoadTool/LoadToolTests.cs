using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.LoadTests;
using BuildFarm.LoadTests.Farm;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.LoadTool;

/// <summary>
/// <c>farm-load</c> (load-tests/BuildFarm.LoadTests) run in process: its load mode against a
/// <c>farm server</c> process the test starts, checked against the server's own /metrics, and
/// the addresses it refuses before sending anything.
/// </summary>
public sealed partial class LoadToolTests
{
    /// <summary>Layer-making steps of a generated build, and how many of them an edited build reuses (the seed RUN, the library's COPY and its RUN).</summary>
    private const int Steps = 5;
    private const int StepsBeforeTheEdit = 3;

    /// <summary>Builds of the warm-up: the warm context once, and each of the two clients' edited contexts.</summary>
    private const int WarmUpBuilds = 3;

    [Fact]
    public async Task The_load_mode_runs_for_its_time_and_reports_what_the_server_counted()
    {
        using var directory = new TempDirectory("farm-load");
        Directory.CreateDirectory(directory.Combine("home"));
        await using var server = await ServerProcess.StartAsync(directory.Combine("data"), directory.Combine("home"));

        var (exitCode, output, error) = await RunAsync("load", "--server", server.Address.ToString(), "--clients", "2", "--duration", "3", "--work-dir", directory.Combine("work"));
        var metrics = MetricsSamples.Parse(await server.ScrapeMetricsAsync());

        Assert.True(exitCode == 0, $"farm-load exited with {exitCode}:\n{output}{error}\nserver:\n{server.Log}");
        Assert.Equal($"warming up: the warm context on 1 server(s), each client's edited context\nrunning: 2 client(s) for 3 s\n", error);
        var report = Report().Match(output);
        Assert.True(report.Success, $"not the report's shape:\n{output}");
        Assert.Equal($"{server.Address}", report.Groups["server"].Value);
        var (cold, warm, edited) = (Count(report, "cold"), Count(report, "warm"), Count(report, "edited"));
        var builds = cold + warm + edited;
        Assert.Equal(builds, Count(report, "builds"));
        Assert.Equal(0, Count(report, "errors"));
        Assert.Equal(builds, Count(report, "timed"));
        // Cold builds reuse nothing, edited ones the steps before the edit, warm ones every step.
        var reused = warm * Steps + edited * StepsBeforeTheEdit;
        Assert.Equal((reused, builds * Steps), (Count(report, "reused"), Count(report, "steps")));
        Assert.Equal(((double)reused / (builds * Steps)).ToString("0.00", CultureInfo.InvariantCulture), report.Groups["ratio"].Value);
        Assert.Equal(
            (builds + WarmUpBuilds, (double)reused, (double)(builds * Steps - reused + WarmUpBuilds * Steps)),
            (metrics["buildfarm_builds_total{outcome=\"succeeded\"}"], metrics.GetValueOrDefault("buildfarm_steps_total{outcome=\"hit\"}") + metrics.GetValueOrDefault("buildfarm_steps_total{outcome=\"joined\"}"), metrics["buildfarm_steps_total{outcome=\"run\"}"]));
        // It started builds for its 3 s, then stopped by itself; every build took time.
        Assert.InRange(double.Parse(report.Groups["elapsed"].Value, CultureInfo.InvariantCulture), 3, 3 + 300);
        Assert.True(builds >= 2, $"two clients for 3 s ended only {builds} builds");
    }

    [Theory]
    [InlineData("http://192.168.1.10:7575", "--server http://192.168.1.10:7575 is not a loopback address (127.0.0.0/8, [::1] or localhost): the tool sends traffic only to this machine unless --allow-remote is given")]
    [InlineData("10.0.0.1:7575", "--server 10.0.0.1:7575 is not a loopback address (127.0.0.0/8, [::1] or localhost): the tool sends traffic only to this machine unless --allow-remote is given")]
    [InlineData("http://farm.example:7575", "--server http://farm.example:7575 names host farm.example: give an IP address or localhost, so that the tool never follows a name elsewhere")]
    [InlineData("127.0.0.1", "--server 127.0.0.1 is not http://HOST:PORT (plain-text gRPC, an IP address or localhost, and a port)")]
    [InlineData("https://127.0.0.1:7575", "--server https://127.0.0.1:7575 is not http://HOST:PORT (plain-text gRPC, an IP address or localhost, and a port)")]
    public async Task An_address_that_is_not_a_loopback_farm_is_refused_before_anything_is_sent(string address, string message)
    {
        // The loopback address first: the tool must refuse the whole run, not send to the good one.
        var (exitCode, output, error) = await RunAsync("load", "--server", "http://127.0.0.1:9", "--server", address, "--duration", "1");

        Assert.Equal((2, string.Empty, $"Error: {message}\n"), (exitCode, output, error));
    }

    [Fact]
    public async Task The_single_farm_of_the_benchmarks_is_held_to_loopback_too()
    {
        var (exitCode, output, error) = await RunAsync("bench", "--server", "http://127.0.0.1:9", "--single", "http://172.16.0.5:7575");

        Assert.Equal((2, string.Empty, "Error: --single http://172.16.0.5:7575 is not a loopback address (127.0.0.0/8, [::1] or localhost): the tool sends traffic only to this machine unless --allow-remote is given\n"), (exitCode, output, error));
    }

    [Fact]
    public void Loopback_addresses_are_kept_as_given_and_localhost_is_pinned_to_127_0_0_1()
    {
        // Port 80 must be written, as every port must; a Uri then leaves it out as the default.
        Assert.Equal(
            ["http://127.0.0.1:7575/", "http://127.0.0.1:1/", "http://[::1]:5/", "http://127.9.9.9/"],
            FarmTargets.Parse(["127.0.0.1:7575", "localhost:1", "http://[::1]:5/", "http://127.9.9.9:80"], allowRemote: false).Select(uri => uri.ToString()));
        Assert.Equal(["http://192.0.2.7:7575/"], FarmTargets.Parse(["192.0.2.7:7575"], allowRemote: true).Select(uri => uri.ToString()));
    }

    [Theory]
    [InlineData("--clients", "0", "--clients 0 is out of range: give 1 to 256")]
    [InlineData("--duration", "3601", "--duration 3601 is out of range: give 1 to 3600")]
    [InlineData("--mix", "cold=0,warm=0", "--mix \"cold=0,warm=0\" gives no kind of build a weight above 0")]
    [InlineData("--mix", "hot=1", "--mix \"hot=1\": \"hot=1\" is not KIND=WEIGHT (cold, warm or edited, and a whole number up to 1000)")]
    public async Task Bounds_and_the_mix_are_checked_before_anything_runs(string option, string value, string message)
    {
        var (exitCode, output, error) = await RunAsync("load", "--server", "http://127.0.0.1:9", option, value);

        Assert.Equal(1, exitCode);
        Assert.StartsWith(message + "\n", error, StringComparison.Ordinal);
        Assert.StartsWith("Description:\n  Run N clients", output, StringComparison.Ordinal);
    }

    private static int Count(Match report, string group) => int.Parse(report.Groups[group].Value, CultureInfo.InvariantCulture);

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await LoadToolCommandLine.Create().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    // Lines for a kind no build was picked for are left out, hence the optional per-kind lines.
    [GeneratedRegex("""
        ^load: 2 clients for 3 s against (?<server>\S+) \(mix: cold 1, warm 3, edited 2\)
        builds: (?<builds>\d+) \(cold (?<cold>\d+), warm (?<warm>\d+), edited (?<edited>\d+)\) in (?<elapsed>\d+\.\d) s
        errors: (?<errors>\d+)
        throughput: \d+\.\d\d builds/s
        build time: p50 \d+\.\d{3} s, p95 \d+\.\d{3} s, p99 \d+\.\d{3} s \((?<timed>\d+) builds\)
        (  (cold|warm|edited): p50 \d+\.\d{3} s, p95 \d+\.\d{3} s, p99 \d+\.\d{3} s \(\d+ builds\)
        ){1,3}cache hit ratio: (?<ratio>\d\.\d\d) \((?<reused>\d+) of (?<steps>\d+) steps cached or joined\)
        $
        """)]
    private static partial Regex Report();
}
