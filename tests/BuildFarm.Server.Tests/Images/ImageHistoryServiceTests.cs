using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using BuildFarm.Server.Tests.TestSupport;
using BuildFarm.Testing;
using Grpc.Core;

namespace BuildFarm.Server.Tests.Images;

/// <summary>The Images.History rpc on a multi-platform image: the farm's own platform by default, another on request.</summary>
public sealed class ImageHistoryServiceTests
{
    [Fact]
    public async Task A_multi_platform_image_shows_the_manifest_of_the_platform_asked_for()
    {
        await using var farm = await RunningFarm.StartAsync();
        var busybox = await BusyboxImage.GetAsync();
        var archive = await WriteIndexArchiveAsync(busybox, Path.Combine(farm.DataDirectory, "..", "multi"));
        await using (var file = File.OpenRead(archive))
        {
            await farm.Client.LoadImagesAsync(file, "multi.tar");
        }

        var history = await farm.Client.GetImageHistoryAsync("multi");
        var missing = await Assert.ThrowsAsync<RpcException>(() => farm.Client.GetImageHistoryAsync("multi", "linux/arm64"));

        var single = await farm.Client.GetImageHistoryAsync("busybox");
        Assert.Equal(single, history);
        var step = Assert.Single(history.Steps);
        Assert.StartsWith("deploy/base-images/busybox.sh: BusyBox ", step.CreatedBy, StringComparison.Ordinal);
        Assert.Equal(0, history.WastedBytes);
        Assert.Equal((StatusCode.NotFound, "multi: no manifest for linux/arm64; it has linux/amd64"), (missing.StatusCode, missing.Status.Detail));
    }

    /// <summary>Busybox's layout with an image index over its manifest, for linux/amd64, named <c>multi</c>, as a tar.</summary>
    private static async Task<string> WriteIndexArchiveAsync(BusyboxImage busybox, string directory)
    {
        CopyDirectory(busybox.LayoutDirectory, directory);
        var manifestSize = new FileInfo(Path.Combine(directory, "blobs", "sha256", busybox.ManifestDigest["sha256:".Length..])).Length;
        var index = Encoding.UTF8.GetBytes(
            $$$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{{busybox.ManifestDigest}}}","size":{{{manifestSize}}},"platform":{"architecture":"amd64","os":"linux"}}]}""");
        var indexHex = Convert.ToHexStringLower(SHA256.HashData(index));
        await File.WriteAllBytesAsync(Path.Combine(directory, "blobs", "sha256", indexHex), index);
        await File.WriteAllTextAsync(
            Path.Combine(directory, "index.json"),
            $$$"""{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:{{{indexHex}}}","size":{{{index.Length}}},"annotations":{"org.opencontainers.image.ref.name":"multi:latest"}}]}""");
        var archive = directory + ".tar";
        await TarFile.CreateFromDirectoryAsync(directory, archive, includeBaseDirectory: false);
        return archive;
    }

    private static void CopyDirectory(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
