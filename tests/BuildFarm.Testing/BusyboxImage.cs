using System.Security.Cryptography;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layout;
using BuildFarm.Storage.Content;

namespace BuildFarm.Testing;

/// <summary>
/// The busybox base image made by <c>deploy/base-images/busybox.sh</c>: made once per test run and
/// cached across runs under the temp directory, keyed by the script and the busybox binary, so a
/// changed script or busybox-static makes a new image.
/// </summary>
public sealed record BusyboxImage(string LayoutDirectory, string ArchivePath, string ManifestDigest)
{
    /// <summary>The name the image carries in its layout and archive.</summary>
    public const string RefName = "busybox:latest";

    public static readonly string ScriptPath = RepositoryRoot.Combine("deploy", "base-images", "busybox.sh");

    private static readonly Lazy<Task<BusyboxImage>> Image = new(CreateAsync);

    public static Task<BusyboxImage> GetAsync() => Image.Value;

    /// <summary>Imports the image (manifest, config, layer) into <paramref name="store"/> and gives it <paramref name="name"/> there.</summary>
    public async Task<Descriptor> AddToAsync(ContentStore store, string name)
    {
        ArgumentNullException.ThrowIfNull(store);
        var imported = await OciLayout.ImportFromDirectoryAsync(LayoutDirectory, new ContentStoreBlobs(store));
        var descriptor = imported.Single(image => image.Tags.Contains(RefName)).Descriptor;
        store.Images.Set(name, descriptor);
        return descriptor;
    }

    private static async Task<BusyboxImage> CreateAsync()
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(
            [.. await File.ReadAllBytesAsync(ScriptPath), .. await File.ReadAllBytesAsync("/bin/busybox")]))[..16];
        var cache = Path.Combine(Path.GetTempPath(), "buildfarm-busybox-image", key);
        if (!File.Exists(Path.Combine(cache, "digest")))
        {
            // Made beside the cache entry and renamed into place, so test processes running at the
            // same time never see half an image; the one that loses the rename uses the winner's.
            var staging = $"{cache}.{Environment.ProcessId}.{Guid.NewGuid():N}";
            try
            {
                var digest = (await ProcessRunner.RunCheckedAsync(ScriptPath, [staging])).Trim();
                await File.WriteAllTextAsync(Path.Combine(staging, "digest"), digest);
                Directory.CreateDirectory(Path.GetDirectoryName(cache)!);
                Directory.Move(staging, cache);
            }
            catch (IOException) when (File.Exists(Path.Combine(cache, "digest")))
            {
            }
            finally
            {
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }
            }
        }

        return new BusyboxImage(
            Path.Combine(cache, "busybox"),
            Path.Combine(cache, "busybox.oci.tar"),
            (await File.ReadAllTextAsync(Path.Combine(cache, "digest"))).Trim());
    }
}
