using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Layout;

namespace BuildFarm.Oci.Tests.TestSupport;

/// <summary>Assembles an image in a store from layer directories, the way the build engine will.</summary>
public static class TestImages
{
    public static readonly DateTimeOffset Created = DateTimeOffset.FromUnixTimeSeconds(1_650_000_000);

    public static ImageConfig BaseConfig => new()
    {
        Architecture = "amd64",
        OS = "linux",
        Created = Created,
        Config = new ContainerConfig
        {
            Env = ["PATH=/usr/local/bin:/usr/bin:/bin", "APP=demo"],
            Cmd = ["/bin/sh", "-c", "echo hi"],
            WorkingDir = "/home/app",
            Labels = new Dictionary<string, string> { ["org.example.team"] = "build", ["org.example.tier"] = "test" },
            ExposedPorts = new HashSet<string> { "8080/tcp" },
        },
    };

    public static async Task<(TaggedImage Image, ImageManifest Manifest, ImageConfig Config)> BuildAsync(
        IBlobStore store, IReadOnlyList<(string Directory, LayerSource Source)> layers, string tag, LayerCompression compression = LayerCompression.Gzip)
    {
        var descriptors = new List<Descriptor>();
        var diffIds = new List<Digest>();
        var history = new List<HistoryEntry>();
        foreach (var (directory, source) in layers)
        {
            await using var upload = await store.BeginUploadAsync();
            var layer = await LayerWriter.WriteAsync(directory, upload.Stream, new LayerWriterOptions { Compression = compression, Source = source, SourceDateEpoch = Created });
            await upload.CommitAsync(layer.Descriptor.Digest);
            descriptors.Add(layer.Descriptor);
            diffIds.Add(layer.DiffId);
            history.Add(new HistoryEntry { Created = Created, CreatedBy = $"COPY {Path.GetFileName(directory)} /", Comment = "buildkit.dockerfile.v0" });
        }

        var config = BaseConfig with { RootFs = new RootFs { DiffIds = diffIds }, History = history };
        var configDescriptor = await store.WriteBlobAsync(MediaTypes.OciConfig, config.ToJson());
        var manifest = new ImageManifest { Config = configDescriptor, Layers = descriptors };
        var manifestDescriptor = await store.WriteBlobAsync(MediaTypes.OciManifest, manifest.ToJson());
        return (new TaggedImage(manifestDescriptor, [tag]), manifest, config);
    }

    /// <summary>
    /// Path, type, mode, owner, mtime, link target, hard link count (not for directories: it
    /// depends on the filesystem) and content digest of every entry below root.
    /// </summary>
    public static string Describe(string root, bool withTimes = true)
    {
        var format = withTimes ? "%P %y %m %U:%G %Ts %l" : "%P %y %m %U:%G %l";
        var lines = Tools.Run("find", [".", "-mindepth", "1", "-printf", format + "\\n"], root)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line =>
            {
                var path = Path.Combine(root, line.Split(' ')[0]);
                var type = line.Split(' ')[1];
                return type switch
                {
                    "d" => line,
                    "f" => $"{line} {Oci.Internal.LibC.LStat(path).LinkCount} {Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)))}",
                    _ => $"{line} {Oci.Internal.LibC.LStat(path).LinkCount}",
                };
            })
            .Order(StringComparer.Ordinal);
        return string.Join('\n', lines);
    }
}
