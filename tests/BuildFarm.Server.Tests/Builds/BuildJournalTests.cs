using System.Text.RegularExpressions;
using BuildFarm.Api.V1;
using BuildFarm.Server.Tests.TestSupport;

namespace BuildFarm.Server.Tests.Builds;

/// <summary>
/// A build's events are written to its journal as they happen, a page (256 events) at a time:
/// a client reattaching after the silo that ran it went away sees every event written, and a
/// clear end.
/// </summary>
public sealed class BuildJournalTests
{
    [Fact]
    public async Task A_build_of_several_journal_pages_replays_whole_and_from_any_event_after_a_restart()
    {
        await using var farm = await RunningFarm.StartAsync();
        // 600 log lines: with its other events, the journal spans three pages of 256.
        farm.Write("Dockerfile", "FROM busybox\nRUN seq 1 600\n");

        var events = await farm.BuildAsync();
        var id = events[0].BuildId;

        await farm.RestartAsync();
        var replayed = await farm.Client.WatchAsync(id).ToListAsync();
        var fromMiddle = await farm.Client.WatchAsync(id, fromSequence: 300).ToListAsync();

        Assert.Equal(Enumerable.Range(1, 600).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), events.Where(e => e.KindCase == BuildEvent.KindOneofCase.LogLine).Select(e => e.LogLine.Text));
        Assert.InRange(events.Count, 513, 768);
        Assert.Equal(events.Select(e => e.ToString()), replayed.Select(e => e.ToString()));
        Assert.Equal(events.Skip(299).Select(e => e.ToString()), fromMiddle.Select(e => e.ToString()));
        var build = await farm.Client.Builds.GetAsync(new GetBuildRequest { BuildId = id });
        Assert.Equal((BuildState.Succeeded, (ulong)events.Count, 1, 1), (build.State, build.LastSequence, build.StepsTotal, build.StepsCompleted));
    }

    [Fact]
    public async Task A_client_reattaching_after_the_silo_running_its_build_stopped_sees_every_event_and_a_clear_failure()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nRUN echo ok > /ok\nRUN echo started && sleep 60\n");
        var request = await farm.RequestAsync();

        var seen = new List<BuildEvent>();
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            await foreach (var buildEvent in farm.Client.SubmitAsync(request, stop.Token))
            {
                seen.Add(buildEvent);
                if (buildEvent.LogLine?.Text == "started")
                {
                    break;
                }
            }
        }

        var id = seen[0].BuildId;
        await farm.RestartAsync();
        var replayed = await farm.Client.WatchAsync(id).ToListAsync();

        Assert.Equal(seen.Select(e => e.ToString()), replayed.Take(seen.Count).Select(e => e.ToString()));
        var last = replayed[^1];
        Assert.Equal(BuildEvent.KindOneofCase.BuildFailed, last.KindCase);
        Assert.True(Regex.IsMatch(last.BuildFailed.Error, $"^the silo coordinating build {id} stopped while it was running \\(silo 127\\.0\\.0\\.1:[0-9]+\\)$"), last.BuildFailed.Error);
        var build = await farm.Client.Builds.GetAsync(new GetBuildRequest { BuildId = id });
        Assert.Equal((BuildState.Failed, last.BuildFailed.Error, (ulong)replayed.Count), (build.State, build.Error, build.LastSequence));
        Assert.Equal(Enumerable.Range(1, replayed.Count).Select(i => (ulong)i), replayed.Select(e => e.Sequence));
    }
}
