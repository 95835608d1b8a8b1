using System.Text.Json;

namespace BuildFarm.Cli.Tests.EndToEnd;

/// <summary>One entry of <c>buildfarm.steps</c> in a <c>--metadata-file</c>.</summary>
internal sealed record MetadataStep(string Name, string Key, bool Cached, string Silo);

/// <summary>What <c>farm build --metadata-file</c> wrote.</summary>
internal sealed record BuildMetadata(string BuildRef, string ManifestDigest, string ConfigDigest, string ImageName, IReadOnlyList<MetadataStep> Steps)
{
    public static BuildMetadata Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var root = document.RootElement;
        return new BuildMetadata(
            root.GetProperty("buildx.build.ref").GetString()!,
            root.GetProperty("containerimage.digest").GetString()!,
            root.GetProperty("containerimage.config.digest").GetString()!,
            root.GetProperty("image.name").GetString()!,
            [.. root.GetProperty("buildfarm.steps").EnumerateArray().Select(step => new MetadataStep(
                step.GetProperty("name").GetString()!,
                step.GetProperty("key").GetString()!,
                step.GetProperty("cached").GetBoolean(),
                step.GetProperty("silo").GetString()!))]);
    }
}
