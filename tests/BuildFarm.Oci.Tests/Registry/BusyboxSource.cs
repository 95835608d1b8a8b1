using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Testing;

namespace BuildFarm.Oci.Tests.Registry;

/// <summary>The busybox base image as a push source: its layout's blobs and its manifest.</summary>
public sealed record BusyboxSource(BusyboxImage Image, DirectoryBlobStore Blobs, Descriptor Manifest, ImageManifest Parsed)
{
    public static async Task<BusyboxSource> LoadAsync()
    {
        var image = await BusyboxImage.GetAsync();
        var index = ImageIndex.Parse(await File.ReadAllBytesAsync(Path.Combine(image.LayoutDirectory, "index.json")));
        var manifest = Assert.Single(index.Manifests);
        var blobs = LayoutBlobs(image.LayoutDirectory);
        var parsed = ImageManifest.Parse(await File.ReadAllBytesAsync(blobs.PathOf(manifest.Digest)));
        return new BusyboxSource(image, blobs, manifest, parsed);
    }

    /// <summary>The blobs of an OCI layout directory.</summary>
    public static DirectoryBlobStore LayoutBlobs(string layout) => new(Path.Combine(layout, "blobs"));

    public Descriptor Config => Parsed.Config;

    public Descriptor Layer => Assert.Single(Parsed.Layers);
}
