using System.Globalization;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.EndToEnd;

/// <summary>
/// A killed server's step network (bridge, nft table, a running step's namespace) is removed by
/// the next server to start on the host, whatever its data directory: the killed one's may be
/// gone for good, as a test's temporary directory or a replaced disk.
/// </summary>
public sealed class LeftoverNetworkTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_killed_servers_step_network_is_removed_by_the_next_server_started_on_any_data_directory()
    {
        using var killedSession = new FarmSession();
        using var nextSession = new FarmSession();
        await using var killed = await ServerProcess.StartAsync(killedSession.DataDirectory, killedSession.Home);
        string[] Farm(params string[] args) => ["--data-dir", killedSession.DataDirectory, "--server", killed.Address.ToString(), .. args];
        Assert.Equal(0, (await FarmProcess.RunAsync(killedSession.Home, Farm("load", "-i", (await Busybox.GetAsync()).ArchivePath))).ExitCode);

        var marker = Random.Shared.Next(100_000, 1_000_000).ToString(CultureInfo.InvariantCulture);
        var context = killedSession.WriteContext("sleep", $"FROM busybox\nRUN echo \"sleeping\" \"for\" {marker} && sleep {marker}\n");
        using var build = FarmProcess.Start(killedSession.Home, Farm("build", "--progress", "plain", context));
        var crashed = false;
        try
        {
            await build.WaitForOutputAsync($" sleeping for {marker}", StepTimeout);
            var bridge = Assert.Single(StepBridgesOwnedBy(killed.ProcessId));
            var id = bridge["bf".Length..];
            await killed.CrashAsync();
            crashed = true;

            // What the kill left: the bridge, its table, the step's namespace.
            Assert.True(Directory.Exists($"/sys/class/net/{bridge}"));
            Assert.Equal(0, (await ProcessRunner.RunAsync("nft", ["list", "table", "inet", $"buildfarm_{id}"])).ExitCode);
            Assert.Single(Directory.GetFiles("/run/netns", $"{bridge}-*"));

            await nextSession.StartServerAsync();

            Assert.False(Directory.Exists($"/sys/class/net/{bridge}"), $"{bridge} is still there");
            Assert.NotEqual(0, (await ProcessRunner.RunAsync("nft", ["list", "table", "inet", $"buildfarm_{id}"])).ExitCode);
            Assert.Empty(Directory.GetFiles("/run/netns", $"{bridge}-*"));
            Assert.Empty(Directory.GetDirectories("/sys/class/net", $"{bridge}-*"));
        }
        finally
        {
            foreach (var (orphan, _) in LinuxHost.ProcessesWith($"sleep {marker}"))
            {
                FarmProcess.SendTerminate(orphan);
            }

            // The restart clears what the step left mounted in the killed server's data directory.
            if (crashed)
            {
                await killed.StartAsync();
            }
        }
    }

    /// <summary>The step bridges whose alias names this process as their owner.</summary>
    private static List<string> StepBridgesOwnedBy(int processId) =>
        Directory.GetFileSystemEntries("/sys/class/net", "bf*")
            .Where(path => File.Exists(Path.Combine(path, "bridge", "bridge_id"))
                && File.ReadAllText(Path.Combine(path, "ifalias")).StartsWith($"buildfarm owner pid={processId} ", StringComparison.Ordinal))
            .Select(Path.GetFileName)
            .OfType<string>()
            .ToList();
}
