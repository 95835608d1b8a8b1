using BuildFarm.Oci;
using BuildFarm.Oci.References;

namespace BuildFarm.Cli.Images;

/// <summary>Image names as users type them and as docker prints them.</summary>
internal static class ImageNames
{
    private const string OfficialPrefix = "library/";

    /// <summary>Parses a name with docker's rules (<c>busybox</c> is <c>docker.io/library/busybox:latest</c>).</summary>
    /// <exception cref="FarmException">It is not a valid image reference.</exception>
    public static ImageReference Parse(string value) =>
        ImageReference.TryParse(value, out var reference, out var error) ? reference : throw new FarmException(error);

    /// <summary>Whether the user wrote a tag or digest, rather than getting <c>latest</c> by default.</summary>
    public static bool HasExplicitTagOrDigest(string value)
    {
        var lastComponent = value[(value.LastIndexOf('/') + 1)..];
        return lastComponent.Contains(':', StringComparison.Ordinal) || lastComponent.Contains('@', StringComparison.Ordinal);
    }

    /// <summary>docker's short form of a repository: <c>busybox</c>, <c>me/app</c>, <c>localhost:5000/app</c>.</summary>
    public static string Familiar(RepositoryName repository)
    {
        if (repository.Registry != RepositoryName.DockerHub)
        {
            return repository.ToString();
        }

        var path = repository.Path;
        return path.StartsWith(OfficialPrefix, StringComparison.Ordinal) && path.IndexOf('/', OfficialPrefix.Length) < 0
            ? path[OfficialPrefix.Length..]
            : path;
    }

    /// <summary>docker's short form of a reference: <c>busybox:latest</c>, <c>localhost:5000/app@sha256:...</c>.</summary>
    public static string Familiar(ImageReference reference) =>
        $"{Familiar(reference.Repository)}{(reference.Tag is null ? "" : ":" + reference.Tag)}{(reference.Digest is null ? "" : "@" + reference.Digest)}";

    /// <summary>The first 12 hex digits of a digest, as docker shows image IDs and layers.</summary>
    public static string Short(Digest digest) => digest.Hex[..12];
}
