using System.IO.Compression;
using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.TestSupport;

/// <summary>
/// A data directory with a content store and an engine, holding the busybox base layer
/// (deploy/base-images/busybox.sh) already unpacked, so tests pay for that once.
/// </summary>
public class EngineFixture : IAsyncLifetime
{
    /// <summary>The name <c>FROM busybox</c> resolves to.</summary>
    public const string BusyboxName = "docker.io/library/busybox:latest";

    public const string Path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private readonly TempDirectory _directory = new("buildfarm-execution");

    public string DataDirectory => _directory.Path;

    public ContentStore Store { get; private set; } = null!;

    public ExecutionEngine Engine { get; private set; } = null!;

    public LayerBlob Busybox { get; private set; } = null!;

    /// <summary>The engine's options; null for the defaults.</summary>
    protected virtual ExecutionOptions? Options => null;

    /// <summary>Whether the store starts with busybox loaded (as <see cref="BusyboxName"/>) and unpacked.</summary>
    protected virtual bool LoadsBusybox => true;

    public virtual async Task InitializeAsync()
    {
        Store = ContentStore.Open(new ContentStoreOptions { DataDirectory = DataDirectory });
        Engine = await ExecutionEngine.OpenAsync(Store, Options);
        if (!LoadsBusybox)
        {
            return;
        }

        Busybox = await ImportBusyboxAsync(Store);
        await Engine.Snapshots.EnsureAsync(Busybox);
        await (await BusyboxImage.GetAsync()).AddToAsync(Store, BusyboxName);
    }

    public virtual Task DisposeAsync()
    {
        Store.Dispose();
        _directory.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Copies the busybox image's one layer into <paramref name="store"/>.</summary>
    public static async Task<LayerBlob> ImportBusyboxAsync(ContentStore store)
    {
        var image = await BusyboxImage.GetAsync();
        var blobs = new DirectoryBlobStore(System.IO.Path.Combine(image.LayoutDirectory, "blobs"));
        var manifest = ImageManifest.Parse(await File.ReadAllBytesAsync(blobs.PathOf(Digest.Parse(image.ManifestDigest))));
        var config = ImageConfig.Parse(await File.ReadAllBytesAsync(blobs.PathOf(manifest.Config.Digest)));
        var layer = manifest.Layers.Single();
        await using (var content = File.OpenRead(blobs.PathOf(layer.Digest)))
        {
            await store.WriteAsync(content, layer.Digest, layer.Size);
        }

        long uncompressed;
        await using (var gzip = new GZipStream(File.OpenRead(blobs.PathOf(layer.Digest)), CompressionMode.Decompress))
        {
            uncompressed = await Layers.CountBytesAsync(gzip);
        }

        return new LayerBlob(layer, config.RootFs.DiffIds.Single(), uncompressed);
    }
}

/// <summary>One engine for every test that can share it.</summary>
[CollectionDefinition(Name)]
public sealed class EngineCollection : ICollectionFixture<EngineFixture>
{
    public const string Name = "engine";
}
