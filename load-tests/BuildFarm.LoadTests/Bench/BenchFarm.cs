using System.Diagnostics;
using BuildFarm.Client.Builds;
using BuildFarm.LoadTests.Farm;

namespace BuildFarm.LoadTests.Bench;

/// <summary>The benchmarks' clients of the cluster's silos (and of the single-silo farm), and the ways they build.</summary>
internal sealed class BenchFarm(BenchSettings settings) : IDisposable
{
    private readonly List<FarmClient> _silos = settings.Servers.Select(FarmClient.Connect).ToList();
    private readonly FarmClient? _single = settings.Single is { } single ? FarmClient.Connect(single) : null;

    public BenchSettings Settings => settings;

    public int SiloCount => _silos.Count;

    /// <summary>
    /// Loads busybox where it is missing and runs one small build through every silo (and the
    /// single farm), so that no measured build pays for unpacking the base image on its silo.
    /// </summary>
    public async Task<IReadOnlyList<BuildOutcome>> WarmUpAsync(string runId, CancellationToken cancellationToken)
    {
        await BaseImage.EnsureAsync(_single is null ? _silos : [.. _silos, _single], settings.BusyboxArchive, settings.WorkDirectory, cancellationToken).ConfigureAwait(false);
        var contexts = Enumerable.Range(0, _silos.Count + (_single is null ? 0 : 1)).Select(i =>
        {
            var context = GeneratedContext.Create(Path.Combine(settings.WorkDirectory, "warm-up", $"farm{i}"), $"warm-up-{runId}-{i}");
            context.WriteDockerfile(GeneratedContext.SleepingDockerfile($"warm-up-{runId}-{i}", steps: 1, seconds: 0));
            return context.Directory;
        }).ToList();
        var (builds, _) = await BuildAllAtOnceAsync(contexts[.._silos.Count], onSingle: false, cancellationToken).ConfigureAwait(false);
        return _single is null ? builds : [.. builds, .. (await BuildAllAtOnceAsync(contexts[_silos.Count..], onSingle: true, cancellationToken).ConfigureAwait(false)).Builds];
    }

    /// <summary>Loads busybox into silo <paramref name="silo"/> again, after its store was emptied.</summary>
    public async Task ReloadBaseImageAsync(int silo, CancellationToken cancellationToken) =>
        await BaseImage.LoadAsync(_silos[silo], await BaseImage.ArchiveAsync(settings.BusyboxArchive, settings.WorkDirectory, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>Builds <paramref name="context"/> through silo <paramref name="silo"/> (0 is A), submitted with <paramref name="export"/> as its output when the caller exports it next.</summary>
    public Task<BuildOutcome> BuildAsync(int silo, string context, CancellationToken cancellationToken, Api.V1.OutputType? export = null) =>
        FarmBuild.RunAsync(_silos[silo], settings.Servers[silo], context, settings.BuildTimeout, cancellationToken, export);

    /// <summary>Submits every context at once, the i-th through silo i modulo their count (or all through the single farm), and waits for all.</summary>
    public async Task<(IReadOnlyList<BuildOutcome> Builds, TimeSpan Elapsed)> BuildAllAtOnceAsync(IReadOnlyList<string> contexts, bool onSingle, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var builds = await Task.WhenAll(contexts.Select((context, i) => onSingle
            ? FarmBuild.RunAsync(_single!, settings.Single!, context, settings.BuildTimeout, cancellationToken)
            : BuildAsync(i % _silos.Count, context, cancellationToken))).ConfigureAwait(false);
        return (builds, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Writes a finished build's image as an OCI archive through silo <paramref name="silo"/>,
    /// which must hold (or fetch) every blob; a failed export makes the build's outcome failed.
    /// </summary>
    public async Task<BuildOutcome> ExportAsync(int silo, BuildOutcome build, CancellationToken cancellationToken)
    {
        var archive = Path.Combine(settings.WorkDirectory, $"export-{build.BuildId}.oci.tar");
        try
        {
            await using var file = File.Create(archive);
            await _silos[silo].ExportAsync(build.BuildId, Api.V1.OutputType.Oci, [], file, cancellationToken).ConfigureAwait(false);
            return build;
        }
        catch (Grpc.Core.RpcException e)
        {
            return build with { Result = null, Error = $"the OCI export through {settings.Servers[silo]} failed: {e.StatusCode}: {e.Status.Detail}" };
        }
        finally
        {
            File.Delete(archive);
        }
    }

    public void Dispose()
    {
        _silos.ForEach(static silo => silo.Dispose());
        _single?.Dispose();
    }
}
