using BuildFarm.Api.V1;

namespace BuildFarm.Cli.Building;

/// <summary>A resolved base image as progress shows it: a step of its own, named as BuildKit names it.</summary>
internal static class ImageProgress
{
    /// <summary>The image's row: <c>[internal] load metadata for docker.io/library/busybox:latest</c>.</summary>
    public static StepRef StepOf(ImageResolved image) =>
        new() { Id = $"image {image.Reference}", Name = $"[internal] load metadata for {image.Reference}" };

    /// <summary>What it resolved to: <c>pulled docker.io/library/busybox:latest@sha256:...</c>, or <c>resolved ...</c> from the store.</summary>
    public static string Outcome(ImageResolved image) =>
        $"{(image.Pulled ? "pulled" : "resolved")} {Pinned(image.Reference, image.Digest)}";

    // The digest replaces any digest the reference had already: name:tag@sha256:... as docker pins.
    private static string Pinned(string reference, string digest)
    {
        var at = reference.IndexOf('@', StringComparison.Ordinal);
        return $"{(at < 0 ? reference : reference[..at])}@{digest}";
    }
}
