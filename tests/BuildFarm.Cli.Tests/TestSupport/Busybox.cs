using System.Text.Json;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.TestSupport;

/// <summary>The busybox base image and the facts tests expect farm to report, read straight from its OCI layout.</summary>
internal sealed record Busybox(BusyboxImage Image, string ManifestDigest, string ConfigDigest, string LayerDigest, long LayerSize, long ManifestSize)
{
    public string ArchivePath => Image.ArchivePath;

    /// <summary>The image ID as <c>farm images</c> shows it: the config digest's first 12 hex digits.</summary>
    public string ShortId => ConfigDigest["sha256:".Length..][..12];

    public string ShortLayer => LayerDigest["sha256:".Length..][..12];

    /// <summary>docker's size for the one layer, which is between 1 and 10 MB: three significant digits.</summary>
    public string Size
    {
        get
        {
            Assert.InRange(LayerSize, 1_000_000, 9_994_999);
            return $"{LayerSize / 1e6:0.00}MB";
        }
    }

    public static async Task<Busybox> GetAsync()
    {
        var image = await BusyboxImage.GetAsync();
        var manifestPath = Path.Combine(image.LayoutDirectory, "blobs", "sha256", image.ManifestDigest["sha256:".Length..]);
        using var manifest = JsonDocument.Parse(await File.ReadAllBytesAsync(manifestPath));
        var layer = manifest.RootElement.GetProperty("layers")[0];
        return new Busybox(
            image,
            image.ManifestDigest,
            manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!,
            layer.GetProperty("digest").GetString()!,
            layer.GetProperty("size").GetInt64(),
            new FileInfo(manifestPath).Length);
    }
}
