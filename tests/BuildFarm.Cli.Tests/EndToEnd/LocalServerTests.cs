using System.Text.Json;
using BuildFarm.Cli.Tests.TestSupport;

namespace BuildFarm.Cli.Tests.EndToEnd;

/// <summary>
/// Commands with neither <c>--server</c> nor <c>$FARM_SERVER</c>: the first starts the data
/// directory's own server in the background, which later commands reuse.
/// </summary>
public sealed class LocalServerTests : IAsyncLifetime
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly FarmSession _session = new();

    private string Announcement => Path.Combine(_session.DataDirectory, "server.json");

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_first_command_starts_a_server_in_its_own_session_and_builds_reuse_it_with_all_hits()
    {
        var busybox = await Busybox.GetAsync();
        var context = Directory.CreateDirectory(_session.Combine("context")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), """
            FROM busybox AS build
            RUN echo local > /local
            FROM busybox
            COPY --from=build /local /local
            """);

        var load = await FarmProcess.RunAsync(_session.Home, ["--data-dir", _session.DataDirectory, "load", "-i", busybox.ArchivePath]);
        var started = ReadAnnouncement();
        var first = await BuildAsync(context, "first.json");
        var second = await BuildAsync(context, "second.json");
        var reused = ReadAnnouncement();

        var log = Path.Combine(_session.DataDirectory, "server.log");
        Assert.Equal((0, $"starting a farm server for {_session.DataDirectory} (log: {log})\n"), (load.ExitCode, load.Error));
        Assert.Equal($"Loaded image: busybox:latest\n", load.Output);
        Assert.DoesNotContain("starting a farm server", first.Result.Error + second.Result.Error, StringComparison.Ordinal);
        Assert.Equal(started, reused);
        Assert.Matches("^http://127\\.0\\.0\\.1:[0-9]+/$", started.Address);
        Assert.EndsWith(
            $"\0{FarmProcess.ServerProgram}\0server\0--listen\0127.0.0.1:0\0--metrics-listen\0127.0.0.1:0\0--data-dir\0{_session.DataDirectory}\0--docker-config\0{Path.Combine(_session.Home, ".docker")}\0",
            LinuxHost.CommandLine(started.Pid),
            StringComparison.Ordinal);
        Assert.Equal(started.Pid, LinuxHost.SessionId(started.Pid)); // setsid: no terminal's hangup reaches it
        Assert.All(first.Metadata.Steps, step => Assert.False(step.Cached, step.Name));
        Assert.All(second.Metadata.Steps, step => Assert.True(step.Cached, step.Name));
        Assert.Equal((2, 2), (first.Metadata.Steps.Count, second.Metadata.Steps.Count));
        Assert.Equal(first.Metadata.ManifestDigest, second.Metadata.ManifestDigest);

        await StopAsync(started.Pid);

        Assert.False(File.Exists(Announcement), "a server stopped by SIGTERM removes its announcement");
        Assert.Contains($"farm server listening on {started.Address}, metrics on http://127.0.0.1:", File.ReadAllText(log), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_announcement_left_by_a_killed_server_whose_pid_another_process_now_has_is_not_taken_for_a_running_server()
    {
        Directory.CreateDirectory(_session.DataDirectory);
        // Written before the process that has its pid now (this test's own) started: a server
        // killed without removing it, whose pid went to another process.
        File.WriteAllText(Announcement, $$"""{"Address":"http://127.0.0.1:1/","Pid":{{Environment.ProcessId}}}""");
        File.SetLastWriteTimeUtc(Announcement, System.Diagnostics.Process.GetCurrentProcess().StartTime.ToUniversalTime() - TimeSpan.FromMinutes(5));
        var log = Path.Combine(_session.DataDirectory, "server.log");

        var images = await FarmProcess.RunAsync(_session.Home, ["--data-dir", _session.DataDirectory, "images"]);
        var started = ReadAnnouncement();
        if (started.Pid != Environment.ProcessId) // the stale announcement still there: never stop this test's own process
        {
            await StopAsync(started.Pid);
        }

        Assert.Equal((0, $"starting a farm server for {_session.DataDirectory} (log: {log})\n"), (images.ExitCode, images.Error));
        Assert.NotEqual(Environment.ProcessId, started.Pid);
        Assert.NotEqual("http://127.0.0.1:1/", started.Address);
    }

    public async Task DisposeAsync()
    {
        // The server is no child of this process, and a failed test may not know its pid: whatever
        // runs on this data directory is stopped here.
        try
        {
            foreach (var (id, _) in LinuxHost.ProcessesWith($" server --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 --data-dir {_session.DataDirectory}"))
            {
                await StopAsync(id);
            }
        }
        finally
        {
            _session.Dispose();
        }
    }

    private async Task<(FarmResult Result, BuildMetadata Metadata)> BuildAsync(string context, string metadataFile)
    {
        var metadataPath = _session.Combine(metadataFile);
        var result = await FarmProcess.RunAsync(_session.Home, ["--data-dir", _session.DataDirectory, "build", "--progress", "plain", "--metadata-file", metadataPath, context]);
        Assert.True(result.ExitCode == 0, $"farm build exited with {result.ExitCode}:\n{result.Error}");
        return (result, BuildMetadata.Read(metadataPath));
    }

    private Announced ReadAnnouncement() => JsonSerializer.Deserialize<Announced>(File.ReadAllText(Announcement))!;

    // SIGTERM, then a kill past the timeout: the farm's own shutdown is what the test checks.
    private static async Task StopAsync(int processId)
    {
        using var process = System.Diagnostics.Process.GetProcessById(processId);
        if (process.HasExited)
        {
            return;
        }

        FarmProcess.SendTerminate(processId);
        try
        {
            await process.WaitForExitAsync().WaitAsync(StopTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the local farm server {processId} did not stop within {StopTimeout} of SIGTERM; killed");
        }
    }

    private sealed record Announced(string Address, int Pid);
}
