using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Execution.Pruning;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Oci;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Pruning;
using BuildFarm.Storage.Steps;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Pruning;

/// <summary>The pruner over an engine whose build cache is <see cref="LocalStepCache"/> (<c>steps/</c>), on a data directory of its own.</summary>
public sealed class StoragePrunerTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new("buildfarm-pruner");
    private readonly TempDirectory _context = new("buildfarm-pruner-context");
    private ContentStore _store = null!;
    private ExecutionEngine _execution = null!;
    private BuildEngine _engine = null!;
    private StoragePruner _pruner = null!;

    public async Task InitializeAsync()
    {
        _store = ContentStore.Open(new ContentStoreOptions { DataDirectory = _data.Path });
        _execution = await ExecutionEngine.OpenAsync(_store);
        await (await BusyboxImage.GetAsync()).AddToAsync(_store, EngineFixture.BusyboxName);
        var cache = new LocalStepCache(new StepRecordStore(_data.Path));
        _engine = new BuildEngine(_execution, _store, cache);
        _pruner = new StoragePruner(_store, _execution, new PruneGate(), [cache]);
        File.WriteAllText(Path.Combine(_context.Path, "Dockerfile"), "FROM busybox\nRUN echo a > /a\nRUN echo b > /b\n");
    }

    public Task DisposeAsync()
    {
        _store.Dispose();
        _data.Dispose();
        _context.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Prune_keeps_recorded_steps_and_prune_all_forgets_them_so_every_step_runs_again()
    {
        var first = await BuildAsync();
        var built = _store.List().ToDictionary(blob => blob.Digest, blob => blob.Size);
        var layers = first.Steps.Select(step => step.Layer!.Descriptor.Digest).ToList();
        // The Dockerfile too: a build stores it so that its steps can be described by digest.
        var dockerfile = Digest.Sha256(File.ReadAllBytes(Path.Combine(_context.Path, "Dockerfile")));
        var unreferenced = built.Keys.Where(digest => digest == first.Manifest.Digest || digest == first.ConfigDigest || digest == dockerfile).ToList();
        var records = Directory.GetFiles(Path.Combine(_data.Path, "steps")).Sum(path => new FileInfo(path).Length);

        var usage = await _pruner.MeasureAsync();

        Assert.Equal(new UsageEntry(UsageKind.BuildCache, 2, records + layers.Sum(layer => built[layer]), 0, records + layers.Sum(layer => built[layer])), usage[UsageKind.BuildCache]);
        Assert.Equal(new UsageEntry(UsageKind.Unreferenced, 3, unreferenced.Sum(digest => built[digest]), unreferenced.Sum(digest => built[digest]), unreferenced.Sum(digest => built[digest])), usage[UsageKind.Unreferenced]);

        // busybox's snapshot, unpacked for the first RUN, and each RUN's, promoted from its upper dir.
        var stepSnapshots = first.Steps.Select(step => step.Layer!.DiffId.Hex).ToList();
        var stepSnapshotBytes = stepSnapshots.Sum(hex => FileBytes(Path.Combine(_data.Path, "snapshots", hex)));
        var busyboxSnapshotBytes = FileBytes(Directory.GetDirectories(Path.Combine(_data.Path, "snapshots")).Single(path => !stepSnapshots.Contains(Path.GetFileName(path))));
        Assert.Equal(new UsageEntry(UsageKind.Snapshots, 3, busyboxSnapshotBytes + stepSnapshotBytes, 0, stepSnapshotBytes), usage[UsageKind.Snapshots]);

        var pruned = await _pruner.PruneAsync(all: false);

        Assert.Equal(new Amount(3, unreferenced.Sum(digest => built[digest])), pruned.Blobs);
        Assert.Equal(Amount.Zero, pruned.StepRecords);
        Assert.Equal([StepOutcome.Cached, StepOutcome.Cached], (await BuildAsync()).Steps.Select(step => step.Outcome));

        var prunedAll = await _pruner.PruneAsync(all: true);

        Assert.Equal(new Amount(2, records), prunedAll.StepRecords);
        Assert.Equal(new Amount(5, layers.Sum(layer => built[layer]) + unreferenced.Sum(digest => built[digest])), prunedAll.Blobs);
        Assert.Equal(new Amount(2, stepSnapshotBytes), prunedAll.Snapshots); // both RUNs' layers
        Assert.Equal([StepOutcome.Ran, StepOutcome.Ran], (await BuildAsync()).Steps.Select(step => step.Outcome));
    }

    [Fact]
    public async Task Du_lists_cache_mounts_and_prune_deletes_them_as_buildkit_does_while_the_build_cache_stays()
    {
        File.WriteAllText(Path.Combine(_context.Path, "Dockerfile"), "FROM busybox\nRUN --mount=type=cache,target=/c echo cached > /c/f && cp /c/f /f\n");
        await BuildAsync();

        var usage = await _pruner.MeasureAsync();
        var pruned = await _pruner.PruneAsync(all: false);

        Assert.Equal(new UsageEntry(UsageKind.CacheMounts, 1, "cached\n".Length, "cached\n".Length, "cached\n".Length), usage[UsageKind.CacheMounts]);
        Assert.Equal(new Amount(1, "cached\n".Length), pruned.CacheMounts);
        Assert.Equal(new UsageEntry(UsageKind.CacheMounts, 0, 0, 0, 0), (await _pruner.MeasureAsync())[UsageKind.CacheMounts]);
        Assert.Equal([StepOutcome.Cached], (await BuildAsync()).Steps.Select(step => step.Outcome));
    }

    // The bytes of the regular files below a directory, as du counts a snapshot's.
    private static long FileBytes(string directory) =>
        new DirectoryInfo(directory).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Where(static file => file.LinkTarget is null).Sum(static file => file.Length);

    private Task<BuildResult> BuildAsync() => _engine.BuildAsync(new BuildRequest { ContextDirectory = _context.Path });
}
