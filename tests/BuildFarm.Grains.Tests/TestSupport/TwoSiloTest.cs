using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layout;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;

namespace BuildFarm.Grains.Tests.TestSupport;

/// <summary>A test on a <see cref="TwoSiloFarm"/> of its own, started before it and stopped after.</summary>
public abstract class TwoSiloTest : IAsyncLifetime
{
    protected TwoSiloFarm Farm { get; set; } = null!;

    protected TwoSiloFarm.Silo A => Farm.Silos[0];

    protected TwoSiloFarm.Silo B => Farm.Silos[1];

    public virtual async Task InitializeAsync() => Farm = await TwoSiloFarm.StartAsync();

    public virtual async Task DisposeAsync() => await Farm.DisposeAsync();

    /// <summary>Puts the busybox image's blobs in <paramref name="store"/>, without a name, and returns its manifest.</summary>
    protected static async Task<Descriptor> ImportBusyboxAsync(ContentStore store)
    {
        var busybox = await BusyboxImage.GetAsync();
        var imported = await OciLayout.ImportFromDirectoryAsync(busybox.LayoutDirectory, new ContentStoreBlobs(store));
        return imported.Single(image => image.Tags.Contains(BusyboxImage.RefName)).Descriptor;
    }
}
