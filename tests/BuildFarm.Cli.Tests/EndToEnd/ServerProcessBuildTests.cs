using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.EndToEnd;

/// <summary>
/// <c>farm build</c> and <c>farm builds</c> as processes of their own against a <c>farm server</c>
/// process (real runc) and a real registry. The tests share the server; each builds its own
/// Dockerfile, so none sees another's cache.
/// </summary>
public sealed class ServerProcessBuildTests(ServerProcessFarm farm) : IClassFixture<ServerProcessFarm>
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_pushed_multi_stage_build_is_what_the_registry_serves_and_every_step_ran()
    {
        var busybox = await Busybox.GetAsync();
        var context = farm.WriteContext("push", """
            FROM busybox AS build
            COPY message.txt /src/
            RUN mkdir /out && tr a-z A-Z < /src/message.txt > /out/message
            RUN sed 's/^/built: /' /out/message > /out/built
            FROM busybox
            COPY --from=build /out/built /built
            RUN wc -c < /built > /size
            """, ("message.txt", "pushed from a process\n"));
        var name = $"{farm.Registry.Host}/e2e/app:1";

        var (result, metadata) = await farm.BuildAsync(context, "push.json", "-t", name, "--push");

        Assert.Equal(name, metadata.ImageName);
        Assert.Equal(metadata.ManifestDigest, await Skopeo.InspectDigestAsync($"docker://{name}"));
        using var manifest = JsonDocument.Parse(await Skopeo.InspectRawAsync($"docker://{name}"));
        Assert.Equal(metadata.ConfigDigest, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString());
        using var pushed = await Skopeo.InspectAsync($"docker://{name}");
        var layers = pushed.RootElement.GetProperty("Layers").EnumerateArray().Select(layer => layer.GetString()).ToList();
        Assert.Equal(3, layers.Count); // busybox, COPY --from, RUN
        Assert.Equal(busybox.LayerDigest, layers[0]);
        Assert.Equal(
            [
                "[build 2/4] COPY message.txt /src/",
                "[build 3/4] RUN mkdir /out && tr a-z A-Z < /src/message.txt > /out/message",
                "[build 4/4] RUN sed 's/^/built: /' /out/message > /out/built",
                "[stage-1 2/3] COPY --from=build /out/built /built",
                "[stage-1 3/3] RUN wc -c < /built > /size",
            ],
            metadata.Steps.Select(step => step.Name));
        Assert.All(metadata.Steps, step => Assert.Equal((false, farm.Server.SiloName), (step.Cached, step.Silo)));
        Assert.EndsWith($"writing image {metadata.ConfigDigest} done\nnaming to {name} done\n", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rebuild_is_all_hits_with_the_same_digest_and_the_cache_survives_a_server_restart()
    {
        var context = farm.WriteContext("restart", """
            FROM busybox AS build
            RUN echo kept across restarts > /kept
            FROM busybox
            COPY --from=build /kept /kept
            RUN cat /kept
            """);
        var (_, first) = await farm.BuildAsync(context, "restart-1.json");
        var (_, second) = await farm.BuildAsync(context, "restart-2.json");
        var firstServer = farm.Server.ProcessId;

        var stopped = await farm.Server.StopAsync();
        var announcedWhileStopped = File.Exists(Path.Combine(farm.DataDirectory, "server.json"));
        await farm.Server.StartAsync();
        var (_, third) = await farm.BuildAsync(context, "restart-3.json");

        Assert.Equal(3, first.Steps.Count);
        Assert.All(first.Steps, step => Assert.False(step.Cached));
        Assert.Equal((0, false), (stopped, announcedWhileStopped));
        Assert.NotEqual(firstServer, farm.Server.ProcessId);
        foreach (var again in new[] { second, third })
        {
            Assert.Equal(first.ManifestDigest, again.ManifestDigest);
            Assert.Equal(first.Steps.Select(step => (step.Name, step.Key)), again.Steps.Select(step => (step.Name, step.Key)));
            Assert.All(again.Steps, step => Assert.True(step.Cached, step.Name));
        }
    }

    [Fact]
    public async Task A_failing_run_fails_the_process_with_its_output_and_its_line_and_leaves_nothing_mounted()
    {
        var context = farm.WriteContext("fail", """
            FROM busybox AS base
            RUN echo prepared > /prepared
            FROM base
            RUN echo boom-output && exit 3
            """);

        const string error = "Dockerfile:4: RUN echo boom-output && exit 3: process \"/bin/sh -c echo boom-output && exit 3\" did not complete successfully: exit code: 3\nlast 1 lines of output:\nboom-output\n";

        var result = await farm.RunAsync("build", "-t", "fail:1", "--progress", "plain", context);
        var id = BuildIdOf(await farm.RunAsync("builds", "ls"), "failed", "fail:1");
        var logs = await farm.RunAsync("builds", "logs", id);

        Assert.Equal(1, result.ExitCode);
        Assert.Matches("\n#3 [0-9.]+ boom-output\n", result.Error);
        Assert.EndsWith("\nError: " + error, result.Error, StringComparison.Ordinal);
        Assert.Equal(0, logs.ExitCode);
        Assert.Matches("\n#3 [0-9.]+ boom-output\n", logs.Output);
        Assert.EndsWith("\nERROR: " + error, logs.Output, StringComparison.Ordinal);
        Assert.Empty(LinuxHost.MountsBelow(farm.DataDirectory));
    }

    [Fact]
    public async Task A_build_cancelled_from_another_process_ends_cancelled_and_leaves_no_process_or_mount()
    {
        var (build, marker) = await StartSleepingBuildAsync("cancel");
        using var _ = build;
        var runningProcesses = LinuxHost.ProcessesWith($"sleep {marker}");
        var runningMounts = LinuxHost.MountsBelow(farm.DataDirectory);

        var id = BuildIdOf(await farm.RunAsync("builds", "ls"), "running", $"cancel:{marker}");
        var cancelled = await farm.RunAsync("builds", "cancel", id);
        var ended = await build.WaitForExitAsync(StepTimeout);
        var listedAfter = await farm.RunAsync("builds", "ls");

        Assert.NotEmpty(runningProcesses);
        Assert.NotEmpty(runningMounts);
        Assert.Equal((0, $"{id}: cancelled\n", string.Empty), (cancelled.ExitCode, cancelled.Output, cancelled.Error));
        Assert.Equal(1, ended.ExitCode);
        Assert.EndsWith("\nError: the build was cancelled: cancelled\n", ended.Error, StringComparison.Ordinal);
        Assert.Equal(id, BuildIdOf(listedAfter, "cancelled", $"cancel:{marker}"));
        Assert.Empty(LinuxHost.ProcessesWith($"sleep {marker}"));
        Assert.Empty(LinuxHost.MountsBelow(farm.DataDirectory));
    }

    [Fact]
    public async Task After_a_server_crash_mid_build_the_restarted_server_clears_the_step_and_reports_the_build_failed()
    {
        var (build, marker) = await StartSleepingBuildAsync("crash");
        try
        {
            await farm.Server.CrashAsync();
            var orphans = LinuxHost.ProcessesWith($"sleep {marker}");
            var orphanMounts = LinuxHost.MountsBelow(farm.DataDirectory);
            var broken = await build.WaitForExitAsync(StepTimeout);
            await farm.Server.StartAsync();
            var id = BuildIdOf(await farm.RunAsync("builds", "ls"), "failed", $"crash:{marker}");
            var logs = await farm.RunAsync("builds", "logs", id);

            Assert.NotEmpty(orphans); // the crash left the step running: clearing it is the restart's work
            Assert.NotEmpty(orphanMounts);
            Assert.Equal(1, broken.ExitCode);
            Assert.StartsWith($"Error: the farm server running build {id} stopped answering (", broken.Error.Split('\n')[^2], StringComparison.Ordinal);
            // The build's next activation finds it recorded as running by a silo that no longer runs it.
            Assert.Matches($"ERROR: the silo coordinating build {id} stopped while it was running \\(silo 127\\.0\\.0\\.1:[0-9]+\\)\n$", logs.Output);
            Assert.Empty(LinuxHost.ProcessesWith($"sleep {marker}"));
            Assert.Empty(LinuxHost.MountsBelow(farm.DataDirectory));
        }
        finally
        {
            build.Dispose();

            // Whatever the outcome, no step of this test outlives it.
            foreach (var (orphan, _) in LinuxHost.ProcessesWith($"sleep {marker}"))
            {
                FarmProcess.SendTerminate(orphan);
            }
        }
    }

    /// <summary>
    /// Starts a build (tagged <c>NAME:MARKER</c>) whose RUN sleeps until it is stopped, and waits
    /// until the RUN has printed. Its processes' command lines hold <c>sleep MARKER</c>, a number of
    /// its own, so they can be told from anything else on the machine.
    /// </summary>
    private async Task<(FarmProcess Build, string Marker)> StartSleepingBuildAsync(string name)
    {
        var marker = Random.Shared.Next(100_000, 1_000_000).ToString(CultureInfo.InvariantCulture);
        var context = farm.WriteContext(name, $"""
            FROM busybox
            RUN echo "sleeping" "for" {marker} && sleep {marker}
            """);
        var build = farm.Start("build", "-t", $"{name}:{marker}", "--progress", "plain", context);
        try
        {
            // The command echoes quoted words: only the RUN's own output has them joined.
            await build.WaitForOutputAsync($" sleeping for {marker}", StepTimeout);
            return (build, marker);
        }
        catch
        {
            build.Dispose();
            throw;
        }
    }

    /// <summary>The id of the one build <c>farm builds ls</c> lists in this state for this tag.</summary>
    private static string BuildIdOf(FarmResult listed, string state, string tag)
    {
        var row = Regex.Match(listed.Output, $"^(?<id>[0-9]{{8}}-[0-9]{{6}}-[a-z0-9]+) +{state} +[0-9-]+ [0-9:]+Z +{Regex.Escape(tag)}$", RegexOptions.Multiline);
        Assert.True(row.Success, $"no {state} build of {tag} in:\n{listed.Output}{listed.Error}");
        return row.Groups["id"].Value;
    }
}
