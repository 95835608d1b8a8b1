using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution.Mounts.Internal;
using BuildFarm.Storage.Pruning;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Pruning;

public sealed class CacheMountClearTests
{
    [Fact]
    public async Task Clear_deletes_caches_nobody_uses_keeps_one_in_use_and_a_cleared_cache_is_seeded_afresh()
    {
        using var root = new TempDirectory("buildfarm-cache-clear");
        var store = new CacheMountStore(root.Path);
        var seeded = new List<string>();
        Func<string, CancellationToken, Task> Seed(string key, int bytes) => (directory, _) =>
        {
            seeded.Add(key);
            Directory.CreateDirectory(directory);
            return File.WriteAllBytesAsync(Path.Combine(directory, "content"), new byte[bytes]);
        };
        using var inUse = await store.AcquireAsync("in-use", CacheSharing.Shared, Seed("in-use", 5), CancellationToken.None);
        (await store.AcquireAsync("idle", CacheSharing.Locked, Seed("idle", 7), CancellationToken.None)).Dispose();
        Assert.Equal([("idle", 7L), ("in-use", 5L)], store.List().OrderBy(cache => cache.Key, StringComparer.Ordinal));

        var removed = store.Clear();

        Assert.Equal(new Amount(1, 7), removed);
        Assert.Equal([("in-use", 5L)], store.List());
        Assert.True(File.Exists(Path.Combine(inUse.Path, "content")));
        using var again = await store.AcquireAsync("idle", CacheSharing.Locked, Seed("idle", 3), CancellationToken.None);
        Assert.Equal(["in-use", "idle", "idle"], seeded);
        Assert.Equal(3, new FileInfo(Path.Combine(again.Path, "content")).Length);
    }
}
