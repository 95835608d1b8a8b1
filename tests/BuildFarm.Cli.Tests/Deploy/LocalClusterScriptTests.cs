using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using System.Text;
using System.Text.RegularExpressions;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Client.Builds;
using BuildFarm.Testing;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace BuildFarm.Cli.Tests.Deploy;

/// <summary>
/// deploy/local-cluster.sh as a user runs it: a real redis-server and three <c>farm server</c>
/// processes (this test project's farm) on loopback, which form one cluster; <c>empty</c> restarts
/// a silo on an empty disk at the same address; <c>stop</c> ends every process it started.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed partial class LocalClusterScriptTests
{
    private static readonly string Script = RepositoryRoot.Combine("deploy", "local-cluster.sh");

    /// <summary>Three silos starting side by side on a busy 2-core machine.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    /// <summary>Membership converges within a few probe periods; a dead silo's entry goes within the dead-silo timeout (10 s).</summary>
    private static readonly TimeSpan MembershipTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task It_runs_redis_and_three_silos_as_one_cluster_restarts_one_empty_and_stops_them_all()
    {
        using var directory = new TempDirectory("local-cluster");
        var clusterDirectory = directory.Combine("cluster");
        var farm = FarmProcess.WriteLauncher(directory.Combine("farm"));
        using var script = new ScriptProcess([Script, "--dir", clusterDirectory, "--farm", farm]);
        try
        {
            await script.WaitForLineAsync("cluster ready", StartTimeout);
            var printed = Printed().Match(script.Output);
            Assert.True(printed.Success, $"not what the script prints when ready:\n{script.Output}");
            var redisPid = int.Parse(printed.Groups["redis"].Value, CultureInfo.InvariantCulture);
            var silos = printed.Groups["silo"].Captures.Select((capture, i) => Silo.Parse(capture.Value, i + 1)).ToList();
            Assert.Equal(3, silos.Count);
            // Redis's port and each silo's gRPC and metrics ports: seven, all different.
            Assert.Equal(7, silos.SelectMany(static s => new[] { s.Grpc.Port, s.Metrics.Port }).Append(int.Parse(printed.Groups["redisPort"].Value, CultureInfo.InvariantCulture)).Distinct().Count());
            Assert.EndsWith($"data and logs: {clusterDirectory}\nbuild through the cluster: farm --server {string.Join(',', silos.Select(static s => s.Grpc.ToString().TrimEnd('/')))} build .\ncluster ready; Ctrl+C (or {Script} stop --dir {clusterDirectory}) stops it\n", script.Output, StringComparison.Ordinal);
            Assert.True(Runs(redisPid, "redis-server"), $"redis-server (pid {redisPid}) does not run");
            foreach (var silo in silos)
            {
                Assert.True(Runs(silo.Pid, $"{clusterDirectory}/silo{silo.Number} "), $"silo {silo.Number} (pid {silo.Pid}) does not run on its data directory");
                await AssertServingAsync(silo);
                await AssertActiveSilosAsync(silo, 3);
            }

            // Something in silo 2's store, for empty to take away: busybox, loaded through silo 2.
            var silo2Blobs = Path.Combine(clusterDirectory, "silo2", "blobs", "sha256");
            var busybox = await Busybox.GetAsync();
            using (var client = FarmClient.Connect(silos[1].Grpc))
            await using (var archive = File.OpenRead(busybox.ArchivePath))
            {
                await client.LoadImagesAsync(archive, "busybox.oci.tar");
            }

            Assert.Superset(new HashSet<string> { busybox.ManifestDigest, busybox.ConfigDigest, busybox.LayerDigest }, Directory.EnumerateFiles(silo2Blobs).Select(static f => "sha256:" + Path.GetFileName(f)).ToHashSet());

            var empty = await ProcessRunner.RunAsync(Script, ["empty", "2", "--dir", clusterDirectory], StartTimeout);
            var restarted = Restarted().Match(empty.Output);
            Assert.True(empty.ExitCode == 0 && restarted.Success, $"local-cluster.sh empty 2 exited with {empty.ExitCode}:\n{empty.Output}{empty.Error}");
            var newPid = int.Parse(restarted.Groups["pid"].Value, CultureInfo.InvariantCulture);
            Assert.NotEqual(silos[1].Pid, newPid);
            Assert.False(Runs(silos[1].Pid, $"{clusterDirectory}/silo2 "));
            Assert.Empty(Directory.EnumerateFiles(silo2Blobs));
            await AssertServingAsync(silos[1]);
            await AssertActiveSilosAsync(silos[0], 3);

            var stop = await ProcessRunner.RunAsync(Script, ["stop", "--dir", clusterDirectory], TimeSpan.FromMinutes(2));
            Assert.Equal((0, $"stopped the cluster on {clusterDirectory}\n"), (stop.ExitCode, stop.Output));
            Assert.Equal(0, await script.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.EndsWith("stopping the cluster\ncluster stopped\n", script.Output, StringComparison.Ordinal);
            Assert.Equal(
                [],
                new[] { redisPid, newPid }.Concat(silos.Select(static s => s.Pid)).Where(pid => Runs(pid, "redis-server") || Runs(pid, clusterDirectory)));
            Assert.False(File.Exists(Path.Combine(clusterDirectory, "cluster.state")));
        }
        finally
        {
            // A failed assertion leaves the cluster running: stop it, and the script, whatever happened.
            if (!script.HasExited)
            {
                await ProcessRunner.RunAsync(Script, ["stop", "--dir", clusterDirectory], TimeSpan.FromMinutes(2));
                script.Kill();
            }
        }
    }

    private static async Task AssertServingAsync(Silo silo)
    {
        using var channel = GrpcChannel.ForAddress(silo.Grpc);
        var response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)).WithWaitForReady());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    /// <summary>Waits (bounded) until the silo's /metrics counts <paramref name="count"/> active silos.</summary>
    private static async Task AssertActiveSilosAsync(Silo silo, int count)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.GetTimestamp() + (long)(MembershipTimeout.TotalSeconds * Stopwatch.Frequency);
        double? active = null;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            active = MetricsSamples.Parse(await http.GetStringAsync(silo.Metrics)).GetValueOrDefault("buildfarm_cluster_silos{status=\"active\"}");
            if (active == count)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Assert.Fail($"silo {silo.Number} counted {active} active silos, not {count}, for {MembershipTimeout}");
    }

    /// <summary>Whether <paramref name="pid"/> runs with <paramref name="mark"/> in its command line (an exited, unreaped process has none).</summary>
    private static bool Runs(int pid, string mark)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Contains(mark, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^redis   127\.0\.0\.1:(?<redisPort>\d+)   pid (?<redis>\d+)\n(?<silo>silo\d   gRPC \S+   metrics \S+   pid \d+\n){3}", RegexOptions.Multiline)]
    private static partial Regex Printed();

    [GeneratedRegex(@"^silo2 emptied and started again: pid (?<pid>\d+)\n$")]
    private static partial Regex Restarted();

    private sealed partial record Silo(int Number, Uri Grpc, Uri Metrics, int Pid)
    {
        public static Silo Parse(string line, int number)
        {
            var match = Line().Match(line);
            Assert.True(match.Success, line);
            Assert.Equal(number.ToString(CultureInfo.InvariantCulture), match.Groups["number"].Value);
            return new Silo(number, new Uri(match.Groups["grpc"].Value), new Uri(match.Groups["metrics"].Value), int.Parse(match.Groups["pid"].Value, CultureInfo.InvariantCulture));
        }

        [GeneratedRegex(@"^silo(?<number>\d)   gRPC (?<grpc>http://127\.0\.0\.1:\d+/)   metrics (?<metrics>http://127\.0\.0\.1:\d+/metrics)   pid (?<pid>\d+)\n$")]
        private static partial Regex Line();
    }

    /// <summary>The script in the foreground, as in a terminal: its output captured as it comes.</summary>
    private sealed class ScriptProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        public ScriptProcess(string[] command)
        {
            var startInfo = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (var argument in command.Skip(1))
            {
                startInfo.ArgumentList.Add(argument);
            }

            _process = Process.Start(startInfo)!;
            _process.StandardInput.Close();
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public bool HasExited => _process.HasExited;

        public async Task WaitForLineAsync(string text, TimeSpan timeout)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (!Output.Contains(text, StringComparison.Ordinal))
            {
                Assert.True(!_process.HasExited && Stopwatch.GetTimestamp() < deadline, $"\"{text}\" was not printed within {timeout}:\n{Output}");
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
            return _process.ExitCode;
        }

        public void Kill() => _process.Kill(entireProcessTree: false);

        public void Dispose() => _process.Dispose();

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.Append(line).Append('\n');
                }
            }
        }
    }
}
