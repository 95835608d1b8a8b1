using System.Diagnostics;
using BuildFarm.Client.Builds;
using BuildFarm.LoadTests.Farm;

namespace BuildFarm.LoadTests.Load;

/// <summary>
/// The bounded load mode: N clients, each building one context after another (cold, warm or
/// edited, as the mix picks) until the run's time is up; then builds in flight finish and the
/// run reports. Traffic goes only to the settings' servers.
/// </summary>
public static class LoadRun
{
    public static async Task<LoadReport> RunAsync(LoadSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(progress);
        // A run's seeds are its own, so that no earlier run left the cold builds cached.
        var runId = Guid.NewGuid().ToString("N")[..12];
        var farms = settings.Servers.Select(FarmClient.Connect).ToList();
        try
        {
            await BaseImage.EnsureAsync(farms, settings.BusyboxArchive, settings.WorkDirectory, cancellationToken).ConfigureAwait(false);
            var warm = GeneratedContext.Create(Path.Combine(settings.WorkDirectory, "warm"), $"warm-{runId}");
            var clients = new List<LoadClient>();
            for (var i = 0; i < settings.Clients; i++)
            {
                var server = i % farms.Count;
                clients.Add(new LoadClient(
                    farms[server],
                    settings.Servers[server],
                    warm,
                    GeneratedContext.Create(Path.Combine(settings.WorkDirectory, $"client{i}", "edited"), $"edited-{runId}-{i}"),
                    GeneratedContext.Create(Path.Combine(settings.WorkDirectory, $"client{i}", "cold"), $"cold-{runId}-{i}"),
                    $"{runId}-{i}",
                    new Random(HashCode.Combine(runId, i))));
            }

            await progress.WriteLineAsync($"warming up: the warm context on {farms.Count} server(s), each client's edited context").ConfigureAwait(false);
            foreach (var (farm, server) in farms.Zip(settings.Servers))
            {
                Require(await FarmBuild.RunAsync(farm, server, warm.Directory, settings.BuildTimeout, cancellationToken).ConfigureAwait(false), "the warm context");
            }

            await Task.WhenAll(clients.Select(client => client.WarmUpAsync(settings.BuildTimeout, cancellationToken))).ConfigureAwait(false);

            await progress.WriteLineAsync($"running: {settings.Clients} client(s) for {settings.Duration.TotalSeconds:0} s").ConfigureAwait(false);
            var started = Stopwatch.GetTimestamp();
            var deadline = started + (long)(settings.Duration.TotalSeconds * Stopwatch.Frequency);
            var builds = await Task.WhenAll(clients.Select(client => client.RunUntilAsync(deadline, settings.Mix, settings.BuildTimeout, cancellationToken))).ConfigureAwait(false);
            return new LoadReport(settings, builds.SelectMany(static b => b).ToList(), Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            farms.ForEach(static farm => farm.Dispose());
        }
    }

    internal static void Require(BuildOutcome outcome, string what)
    {
        if (!outcome.Succeeded)
        {
            throw new InvalidOperationException($"warming up, the build of {what} through {outcome.Server} failed: {outcome.Error}");
        }
    }

    /// <summary>One client: its farm, its own cold and edited contexts (rewritten before each build), the shared warm one.</summary>
    private sealed class LoadClient(FarmClient farm, Uri server, GeneratedContext warm, GeneratedContext edited, GeneratedContext cold, string seed, Random random)
    {
        private int _builds;

        /// <summary>Builds the edited context once, so that the run's edited builds re-run only what the edit reaches.</summary>
        public async Task WarmUpAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
            Require(await FarmBuild.RunAsync(farm, server, edited.Directory, timeout, cancellationToken).ConfigureAwait(false), $"{edited.Directory}");

        public async Task<List<LoadBuild>> RunUntilAsync(long deadline, BuildMix mix, TimeSpan timeout, CancellationToken cancellationToken)
        {
            var builds = new List<LoadBuild>();
            while (Stopwatch.GetTimestamp() < deadline && builds.Count < LoadSettings.MaxBuildsPerClient)
            {
                var kind = mix.Pick(random);
                var context = Prepare(kind);
                builds.Add(new LoadBuild(kind, await FarmBuild.RunAsync(farm, server, context.Directory, timeout, cancellationToken).ConfigureAwait(false)));
            }

            return builds;
        }

        private GeneratedContext Prepare(BuildKind kind)
        {
            var version = $"{seed}-{++_builds}";
            switch (kind)
            {
                case BuildKind.Cold:
                    cold.WriteDockerfile(GeneratedContext.LayeredDockerfile($"cold-{version}", runSeconds: 0));
                    return cold;
                case BuildKind.Edited:
                    edited.Edit(version);
                    return edited;
                default:
                    return warm;
            }
        }
    }
}
