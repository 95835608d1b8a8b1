using BuildFarm.Api.V1;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Server.Tests.TestSupport;
using BuildFarm.Storage.Pruning;
using BuildFarm.Testing;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace BuildFarm.Server.Tests.Storage;

/// <summary>
/// <c>Storage.DiskUsage</c> and <c>Storage.Prune</c> against real builds; every expected size is
/// read from the data directory's files, never from the code under test.
/// </summary>
public sealed class StorageServiceTests
{
    [Fact]
    public async Task Du_reports_every_kind_exactly_and_prune_keeps_the_build_cache_so_the_next_build_is_all_hits()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt > /copy\n").Write("hello.txt", "hello\n");
        var first = await farm.BuildAsync();
        var disk = new DataDirectoryFiles(farm.DataDirectory);
        var (busybox, busyboxDiffId) = await DataDirectoryFiles.BusyboxAsync();
        var blobs = disk.Blobs();
        var layers = LayersOf(first);
        var records = disk.StepRecords();
        var unreferenced = blobs.Where(blob => !busybox.ContainsKey(blob.Key) && !layers.Contains(blob.Key)).ToList();
        var snapshots = await disk.EntriesAsync("snapshots");
        Assert.Equal(2, layers.Count);
        Assert.Equal(2, records.Length);
        Assert.Equal(3, snapshots.Count); // busybox's, and each step's, promoted from the directory its layer was written from

        var usage = await farm.Client.DiskUsageAsync();

        var cacheBytes = records.Sum() + layers.Sum(layer => blobs[layer]);
        var unreferencedBytes = unreferenced.Sum(blob => blob.Value);
        Assert.Equal(
            [
                Entry(UsageKind.Images, 1, busybox.Values.Sum(), 0, 0),
                Entry(UsageKind.BuildCache, 2, cacheBytes, 0, cacheBytes),
                Entry(UsageKind.Unreferenced, unreferenced.Count, unreferencedBytes, unreferencedBytes, unreferencedBytes),
                Entry(UsageKind.Snapshots, 3, snapshots.Values.Sum(), 0, snapshots.Values.Sum() - snapshots[busyboxDiffId.Hex]),
                Entry(UsageKind.CacheMounts, 0, 0, 0, 0),
            ],
            usage);

        // What a crashed server would leave: a build context and an export.
        WriteFile(farm, "contexts/20260101-crashed/app/main.c", "int main(void) { return 0; }\n");
        WriteFile(farm, "exports/0123abcd/etc/passwd", "root:x:0:0::/root:/bin/sh\n");

        var pruned = await farm.Client.PruneAsync(all: false);

        var leftovers = "int main(void) { return 0; }\n".Length + "root:x:0:0::/root:/bin/sh\n".Length;
        Assert.Equal(
            new PruneResponse
            {
                ReclaimedBytes = (ulong)(unreferencedBytes + leftovers),
                Blobs = Amount(unreferenced.Count, unreferencedBytes),
                StepRecords = Amount(0, 0),
                Snapshots = Amount(0, 0),
                CacheMounts = Amount(0, 0),
                Leftovers = Amount(2, leftovers),
            },
            pruned);
        Assert.Equal(busybox.Keys.Concat(layers).Order(StringComparer.Ordinal), disk.Blobs().Keys.Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(farm.DataDirectory, "contexts")));
        Assert.Contains($"buildfarm_evicted_bytes_total {unreferencedBytes}", await ScrapeAsync(farm));

        // The build was not tagged: its manifest and config were no image's and no step's.
        var manifest = first[^1].BuildFinished.Result.ManifestDigest;
        var gone = await Assert.ThrowsAsync<RpcException>(() => farm.Client.ExportAsync(first[0].BuildId, OutputType.Oci, [], Stream.Null));
        Assert.Equal(
            (StatusCode.FailedPrecondition, $"The image of build {first[0].BuildId} is no longer stored (pruned or evicted): Blob {manifest} is not in the store."),
            (gone.StatusCode, gone.Status.Detail));

        var second = await farm.BuildAsync();

        Assert.Equal(2, second.Count(e => e.KindCase == BuildEvent.KindOneofCase.StepCached));
        Assert.DoesNotContain(second, e => e.KindCase == BuildEvent.KindOneofCase.StepStarted);
        Assert.Equal(first[^1].BuildFinished.Result.ManifestDigest, second[^1].BuildFinished.Result.ManifestDigest);
    }

    [Fact]
    public async Task Prune_all_empties_the_build_cache_and_cache_mounts_but_keeps_tagged_images_exportable()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", """
            FROM busybox AS build
            COPY hello.txt /hello.txt
            RUN --mount=type=cache,target=/cache echo hi > /cache/note && tr a-z A-Z < /hello.txt > /upper && echo built > /built
            FROM busybox
            COPY --from=build /upper /upper
            """).Write("hello.txt", "hello\n");
        var first = await farm.BuildAsync(r => r.Tags.Add("app:1"));
        var disk = new DataDirectoryFiles(farm.DataDirectory);
        var (busybox, busyboxDiffId) = await DataDirectoryFiles.BusyboxAsync();
        var blobs = disk.Blobs();
        var layers = LayersOf(first); // build COPY, build RUN, final COPY
        var result = first[^1].BuildFinished.Result;
        var image = new[] { result.ManifestDigest, result.ConfigDigest, layers[2] };
        var cacheOnly = layers.Take(2).ToList();
        var records = disk.StepRecords();
        var unreferenced = blobs.Keys.Except(busybox.Keys).Except(image).Except(cacheOnly).ToList();
        var snapshots = await disk.EntriesAsync("snapshots");
        var mounts = await disk.EntriesAsync("cache-mounts");
        Assert.Equal(3, records.Length);
        var imageTop = ImageConfig.Parse(await File.ReadAllBytesAsync(Path.Combine(farm.DataDirectory, "blobs", "sha256", Digest.Parse(result.ConfigDigest).Hex))).RootFs.DiffIds[^1].Hex;
        Assert.Equal(4, snapshots.Count); // busybox, and each step's, promoted from the directory its layer was written from
        Assert.Equal("hi\n".Length, mounts.Values.Single());

        var usage = await farm.Client.DiskUsageAsync();

        var cacheBytes = records.Sum() + cacheOnly.Sum(layer => blobs[layer]);
        var unreferencedBytes = unreferenced.Sum(digest => blobs[digest]);
        var stepSnapshotBytes = snapshots.Values.Sum() - snapshots[busyboxDiffId.Hex] - snapshots[imageTop]; // the final COPY's is the image's
        Assert.Equal(
            [
                Entry(UsageKind.Images, 2, busybox.Values.Sum() + image.Sum(digest => blobs[digest]), 0, 0),
                Entry(UsageKind.BuildCache, 3, cacheBytes, 0, cacheBytes),
                Entry(UsageKind.Unreferenced, unreferenced.Count, unreferencedBytes, unreferencedBytes, unreferencedBytes),
                Entry(UsageKind.Snapshots, 4, snapshots.Values.Sum(), 0, stepSnapshotBytes),
                Entry(UsageKind.CacheMounts, 1, 3, 3, 3),
            ],
            usage);

        var pruned = await farm.Client.PruneAsync(all: true);

        var blobBytes = unreferencedBytes + cacheOnly.Sum(layer => blobs[layer]);
        Assert.Equal(
            new PruneResponse
            {
                ReclaimedBytes = (ulong)(blobBytes + records.Sum() + stepSnapshotBytes + 3),
                Blobs = Amount(unreferenced.Count + 2, blobBytes),
                StepRecords = Amount(3, records.Sum()),
                Snapshots = Amount(2, stepSnapshotBytes),
                CacheMounts = Amount(1, 3),
                Leftovers = Amount(0, 0),
            },
            pruned);
        Assert.Equal(busybox.Keys.Concat(image).Order(StringComparer.Ordinal), disk.Blobs().Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { busyboxDiffId.Hex, imageTop }.Order(StringComparer.Ordinal), (await disk.EntriesAsync("snapshots")).Keys.Order(StringComparer.Ordinal));
        Assert.Empty(disk.StepRecords());
        Assert.Equal(
            [
                Entry(UsageKind.Images, 2, busybox.Values.Sum() + image.Sum(digest => blobs[digest]), 0, 0),
                Entry(UsageKind.BuildCache, 0, 0, 0, 0),
                Entry(UsageKind.Unreferenced, 0, 0, 0, 0),
                Entry(UsageKind.Snapshots, 2, snapshots[busyboxDiffId.Hex] + snapshots[imageTop], 0, 0),
                Entry(UsageKind.CacheMounts, 0, 0, 0, 0),
            ],
            await farm.Client.DiskUsageAsync());

        var archive = Path.Combine(farm.DataDirectory, "..", "app.tar");
        await using (var file = File.Create(archive))
        {
            await farm.Client.ExportAsync(first[0].BuildId, OutputType.Oci, [], file);
        }

        Assert.Equal(result.ManifestDigest, await Skopeo.InspectDigestAsync($"oci-archive:{archive}:docker.io/library/app:1"));

        var second = await farm.BuildAsync();

        Assert.Equal(3, second.Count(e => e.KindCase == BuildEvent.KindOneofCase.StepStarted));
        Assert.DoesNotContain(second, e => e.KindCase == BuildEvent.KindOneofCase.StepCached);
        Assert.Equal(result.ManifestDigest, second[^1].BuildFinished.Result.ManifestDigest);
    }

    [Fact]
    public async Task A_prune_waits_for_a_running_build_and_holds_new_builds_until_it_ends_keeping_their_contexts()
    {
        await using var farm = await RunningFarm.StartAsync();
        await using var download = new GatedFileServer("data\n");
        farm.Write("Dockerfile", $"FROM busybox\nADD {download.Url} /data.txt\nRUN cat /data.txt > /copy\n");
        var gate = farm.Server.Services.GetRequiredService<PruneGate>();
        var pruneWaiting = new TaskCompletionSource();
        var buildWaiting = new TaskCompletionSource();
        gate.PruneWaiting += () => pruneWaiting.TrySetResult();
        gate.WorkWaiting += () => buildWaiting.TrySetResult();

        var running = farm.BuildAsync(r => r.Tags.Add("app:1"));
        await download.Requested;
        var prune = farm.Client.PruneAsync(all: true);
        await pruneWaiting.Task;
        var held = farm.BuildAsync();
        await buildWaiting.Task;
        Assert.False(prune.IsCompleted);

        download.Open();
        var first = await running;
        var pruned = await prune;
        var second = await held;

        Assert.Equal(BuildEvent.KindOneofCase.BuildFinished, first[^1].KindCase);
        Assert.Equal(2, first.Count(e => e.KindCase == BuildEvent.KindOneofCase.StepStarted));
        Assert.Equal(2UL, pruned.StepRecords.Count);
        Assert.Equal(BuildEvent.KindOneofCase.BuildFinished, second[^1].KindCase);
        Assert.Equal(2, second.Count(e => e.KindCase == BuildEvent.KindOneofCase.StepStarted));
        Assert.Equal(first[^1].BuildFinished.Result.ManifestDigest, second[^1].BuildFinished.Result.ManifestDigest);
        using var exported = new MemoryStream();
        await farm.Client.ExportAsync(first[0].BuildId, OutputType.Docker, [], exported);
        Assert.NotEqual(0, exported.Length);
    }

    private static List<string> LayersOf(IReadOnlyList<BuildEvent> events) =>
        [.. events.Where(e => e.KindCase == BuildEvent.KindOneofCase.StepFinished && e.StepFinished.LayerDigest.Length > 0).Select(e => e.StepFinished.LayerDigest)];

    private static UsageEntry Entry(UsageKind kind, long count, long size, long reclaimable, long reclaimableAll) => new()
    {
        Kind = kind,
        Count = (ulong)count,
        SizeBytes = (ulong)size,
        ReclaimableBytes = (ulong)reclaimable,
        ReclaimableAllBytes = (ulong)reclaimableAll,
    };

    private static Api.V1.Amount Amount(long count, long size) => new() { Count = (ulong)count, SizeBytes = (ulong)size };

    private static void WriteFile(RunningFarm farm, string path, string content)
    {
        var full = Path.Combine(farm.DataDirectory, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    private static async Task<string[]> ScrapeAsync(RunningFarm farm)
    {
        using var http = new HttpClient();
        return (await http.GetStringAsync(new Uri(farm.Server.MetricsAddress, "/metrics"))).Split('\n');
    }
}
