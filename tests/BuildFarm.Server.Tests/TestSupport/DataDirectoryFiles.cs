using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Testing;

namespace BuildFarm.Server.Tests.TestSupport;

/// <summary>
/// What a farm's data directory holds, read straight from its files (and <c>find</c>), so that
/// tests compute the sizes <c>farm du</c> and <c>farm prune</c> must report without the code under test.
/// </summary>
internal sealed class DataDirectoryFiles(string dataDirectory)
{
    /// <summary>Every blob file: digest to length.</summary>
    public Dictionary<string, long> Blobs() =>
        Directory.GetFiles(Path.Combine(dataDirectory, "blobs", "sha256")).ToDictionary(path => "sha256:" + Path.GetFileName(path), path => new FileInfo(path).Length);

    /// <summary>The lengths of the cache key grains' record files.</summary>
    public long[] StepRecords()
    {
        var directory = Path.Combine(dataDirectory, "grains", "step");
        return Directory.Exists(directory) ? [.. Directory.GetFiles(directory).Select(path => new FileInfo(path).Length)] : [];
    }

    /// <summary>The entries of a directory of the data directory, each with the bytes of the regular files below it (by <c>find</c>).</summary>
    public async Task<Dictionary<string, long>> EntriesAsync(string directory)
    {
        var path = Path.Combine(dataDirectory, directory);
        var entries = new Dictionary<string, long>();
        foreach (var entry in Directory.Exists(path) ? Directory.GetFileSystemEntries(path) : [])
        {
            var sizes = await ProcessRunner.RunCheckedAsync("find", [entry, "-type", "f", "-printf", "%s\n"]);
            entries[Path.GetFileName(entry)] = sizes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Sum(long.Parse);
        }

        return entries;
    }

    /// <summary>The busybox image's blobs (digest to length) and its layer's diffID, from its OCI layout.</summary>
    public static async Task<(Dictionary<string, long> Blobs, Digest DiffId)> BusyboxAsync()
    {
        var image = await BusyboxImage.GetAsync();
        var blobs = Path.Combine(image.LayoutDirectory, "blobs", "sha256");
        var manifest = ImageManifest.Parse(await File.ReadAllBytesAsync(Path.Combine(blobs, Digest.Parse(image.ManifestDigest).Hex)));
        var config = ImageConfig.Parse(await File.ReadAllBytesAsync(Path.Combine(blobs, manifest.Config.Digest.Hex)));
        Digest[] digests = [Digest.Parse(image.ManifestDigest), manifest.Config.Digest, .. manifest.Layers.Select(layer => layer.Digest)];
        return (digests.ToDictionary(digest => digest.ToString(), digest => new FileInfo(Path.Combine(blobs, digest.Hex)).Length), config.RootFs.DiffIds.Single());
    }
}
