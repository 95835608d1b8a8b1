using BuildFarm.Cli.Formatting;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Storage;

/// <summary>
/// <c>farm du</c> and <c>farm prune [--all]</c> against a real server (the session's, in
/// process); what they must print is worked out from the data directory's files before and after.
/// </summary>
public sealed class DuPruneCommandTests : IAsyncLifetime
{
    private readonly FarmSession _farm = new();
    private Uri _server = null!;

    public async Task InitializeAsync()
    {
        await _farm.LoadBusyboxAsync();
        _server = await _farm.StartServerAsync();
        Directory.CreateDirectory(Context);
        File.WriteAllText(Path.Combine(Context, "Dockerfile"), """
            FROM busybox AS build
            COPY greeting.txt /src/
            RUN tr a-z A-Z < /src/greeting.txt > /greeting && echo built > /built
            FROM busybox
            COPY --from=build /greeting /greeting
            """);
        File.WriteAllText(Path.Combine(Context, "greeting.txt"), "hello\n");
    }

    public Task DisposeAsync()
    {
        _farm.Dispose();
        return Task.CompletedTask;
    }

    private string Context => _farm.Combine("context");

    private string Server => _server.ToString();

    [Fact]
    public async Task Du_on_a_farm_holding_only_busybox_shows_one_image_and_nothing_to_reclaim()
    {
        var output = await _farm.RunCheckedAsync("du", "--server", Server);

        var busybox = HumanUnits.Size(Blobs().Values.Sum());
        Assert.Equal(
            $"""
            TYPE                 TOTAL     SIZE      RECLAIMABLE
            Images               1         {busybox,-10}0B (0%)
            Build Cache          0         0B        0B
            Unreferenced Blobs   0         0B        0B
            Snapshots            0         0B        0B
            Cache Mounts         0         0B        0B
            farm prune would reclaim 0B; farm prune --all would reclaim 0B.

            """,
            output);
    }

    [Fact]
    public async Task Prune_prints_what_went_and_the_total_and_prune_all_takes_the_build_cache_too()
    {
        await _farm.RunCheckedAsync("build", "--server", Server, "-t", "app:1", "--progress", "quiet", Context);
        var built = Blobs();

        var pruned = await _farm.RunCheckedAsync("prune", "--server", Server);

        var afterPrune = Blobs();
        var removed = built.Keys.Except(afterPrune.Keys).Sum(blob => built[blob]);
        Assert.Equal(
            $"""
            REMOVED        COUNT     SIZE
            Blobs          {built.Count - afterPrune.Count,-10}{HumanUnits.Size(removed)}
            Step records   0         0B
            Snapshots      0         0B
            Cache mounts   0         0B
            Leftovers      0         0B
            Total reclaimed space: {HumanUnits.Size(removed)}

            """,
            pruned);

        var records = Directory.GetFiles(_farm.Combine("data", "grains", "step")).Sum(path => new FileInfo(path).Length);
        var snapshots = await SnapshotBytesAsync();

        var prunedAll = await _farm.RunCheckedAsync("prune", "--server", Server, "--all");

        var afterAll = Blobs();
        var removedAll = afterPrune.Keys.Except(afterAll.Keys).Sum(blob => afterPrune[blob]);
        var snapshotsRemoved = snapshots.Keys.Except((await SnapshotBytesAsync()).Keys).Sum(snapshot => snapshots[snapshot]);
        Assert.Equal(
            $"""
            REMOVED        COUNT     SIZE
            Blobs          2         {HumanUnits.Size(removedAll)}
            Step records   3         {HumanUnits.Size(records)}
            Snapshots      2         {HumanUnits.Size(snapshotsRemoved)}
            Cache mounts   0         0B
            Leftovers      0         0B
            Total reclaimed space: {HumanUnits.Size(removedAll + records + snapshotsRemoved)}

            """,
            prunedAll);
        Assert.Equal(afterPrune.Count - 2, afterAll.Count);
        Assert.Empty(Directory.GetFiles(_farm.Combine("data", "grains", "step")));
    }

    private Dictionary<string, long> Blobs() =>
        Directory.GetFiles(_farm.Combine("data", "blobs", "sha256")).ToDictionary(path => Path.GetFileName(path), path => new FileInfo(path).Length);

    // The bytes of each snapshot's regular files, by find: links are neither counted nor followed.
    private async Task<Dictionary<string, long>> SnapshotBytesAsync()
    {
        var snapshots = new Dictionary<string, long>();
        foreach (var path in Directory.GetDirectories(_farm.Combine("data", "snapshots")))
        {
            var sizes = await ProcessRunner.RunCheckedAsync("find", [path, "-type", "f", "-printf", "%s\n"]);
            snapshots[Path.GetFileName(path)] = sizes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(long.Parse);
        }

        return snapshots;
    }
}
