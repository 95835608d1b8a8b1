using System.Diagnostics;
using BuildFarm.Server.Tests.TestSupport;

namespace BuildFarm.Server.Tests.Metrics;

public sealed class MetricsTests
{
    [Fact]
    public async Task A_scrape_after_builds_counts_them_and_passes_promtool()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nCOPY a.txt /a.txt\nRUN cat /a.txt > /b.txt\n").Write("a.txt", "a\n");
        await farm.BuildAsync();
        await farm.BuildAsync();
        farm.Write("Dockerfile", "FROM busybox\nRUN exit 1\n");
        await farm.BuildAsync();

        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(farm.Server.MetricsAddress, "/metrics"));

        var lines = text.Split('\n');
        Assert.Contains("buildfarm_builds_total{outcome=\"succeeded\"} 2", lines);
        Assert.Contains("buildfarm_builds_total{outcome=\"failed\"} 1", lines);
        Assert.Contains("buildfarm_steps_total{outcome=\"run\"} 2", lines);
        Assert.Contains("buildfarm_steps_total{outcome=\"hit\"} 2", lines);
        Assert.Contains("buildfarm_steps_total{outcome=\"failed\"} 1", lines);
        Assert.Contains("buildfarm_step_duration_seconds_count{outcome=\"run\"} 2", lines);
        Assert.Contains("buildfarm_running_steps 0", lines);
        Assert.Contains("buildfarm_step_queue_depth 0", lines);
        Assert.Contains(lines, l => l.StartsWith("buildfarm_uploaded_bytes_total ", StringComparison.Ordinal) && l != "buildfarm_uploaded_bytes_total 0");
        Assert.Contains(lines, l => l.StartsWith("buildfarm_stored_bytes ", StringComparison.Ordinal));
        Assert.Equal((0, string.Empty), await PromtoolAsync(text));
    }

    // promtool check metrics reads the exposition from stdin and prints what breaks the conventions.
    private static async Task<(int ExitCode, string Problems)> PromtoolAsync(string metrics)
    {
        var start = new ProcessStartInfo("promtool", "check metrics") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(metrics);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, (output + error).Trim());
    }
}
