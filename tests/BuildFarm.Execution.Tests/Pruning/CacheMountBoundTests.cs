using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution.Mounts.Internal;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Pruning;

/// <summary>The cache mount store's size bound: least recently used idle caches go when it is passed.</summary>
public sealed class CacheMountBoundTests : IDisposable
{
    private readonly TempDirectory _root = new("buildfarm-cache-bound");

    [Fact]
    public async Task Past_the_bound_the_least_recently_used_caches_go_and_the_order_survives_a_restart()
    {
        var store = new CacheMountStore(_root.Path, maxBytes: 10);
        await UseAsync(store, "a");
        await UseAsync(store, "b");
        Assert.Equal([("a", 4L), ("b", 4L)], Caches(store));

        await UseAsync(store, "c");
        Assert.Equal([("a", 0L), ("b", 4L), ("c", 4L)], Caches(store)); // a's instance went; its key directory stays, empty

        await UseAsync(store, "b");
        var reopened = new CacheMountStore(_root.Path, maxBytes: 10);
        await UseAsync(reopened, "d");

        Assert.Equal([("a", 0L), ("b", 4L), ("c", 0L), ("d", 4L)], Caches(reopened));
        Assert.Equal(["0"], Directory.EnumerateDirectories(Path.Combine(_root.Path, "b")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_cache_in_use_is_never_evicted_even_over_the_bound()
    {
        var store = new CacheMountStore(_root.Path, maxBytes: 10);
        using var held = await store.AcquireAsync("held", CacheSharing.Shared, Seed(8), CancellationToken.None);

        await UseAsync(store, "idle", bytes: 8);

        Assert.Equal([("held", 8L), ("idle", 0L)], Caches(store));
        Assert.True(File.Exists(Path.Combine(held.Path, "content")));
    }

    [Fact]
    public async Task An_evicted_cache_is_seeded_afresh_when_next_mounted()
    {
        var store = new CacheMountStore(_root.Path, maxBytes: 5);
        await UseAsync(store, "big", bytes: 6);

        using var again = await store.AcquireAsync("big", CacheSharing.Locked, Seed(2), CancellationToken.None);

        Assert.Equal(2, new FileInfo(Path.Combine(again.Path, "content")).Length);
        Assert.Equal(Path.Combine(_root.Path, "big", "0"), again.Path);
    }

    public void Dispose() => _root.Dispose();

    private static async Task UseAsync(CacheMountStore store, string key, int bytes = 4) =>
        (await store.AcquireAsync(key, CacheSharing.Shared, Seed(bytes), CancellationToken.None)).Dispose();

    private static Func<string, CancellationToken, Task> Seed(int bytes) => (directory, _) =>
    {
        Directory.CreateDirectory(directory);
        return File.WriteAllBytesAsync(Path.Combine(directory, "content"), new byte[bytes]);
    };

    private static List<(string Key, long Bytes)> Caches(CacheMountStore store) => [.. store.List().OrderBy(static cache => cache.Key, StringComparer.Ordinal)];
}
