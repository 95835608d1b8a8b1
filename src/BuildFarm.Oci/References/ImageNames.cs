namespace BuildFarm.Oci.References;

/// <summary>Image names as docker prints them, and what a user's spelling of one says.</summary>
public static class ImageNames
{
    private const string OfficialPrefix = "library/";

    /// <summary>Whether the user wrote a tag or digest, rather than getting <c>latest</c> by default.</summary>
    public static bool HasExplicitTagOrDigest(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var lastComponent = value[(value.LastIndexOf('/') + 1)..];
        return lastComponent.Contains(':', StringComparison.Ordinal) || lastComponent.Contains('@', StringComparison.Ordinal);
    }

    /// <summary>docker's short form of a repository: <c>busybox</c>, <c>me/app</c>, <c>localhost:5000/app</c>.</summary>
    public static string Familiar(RepositoryName repository)
    {
        ArgumentNullException.ThrowIfNull(repository);
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
    public static string Familiar(ImageReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        return $"{Familiar(reference.Repository)}{(reference.Tag is null ? "" : ":" + reference.Tag)}{(reference.Digest is null ? "" : "@" + reference.Digest)}";
    }

    /// <summary>The first 12 hex digits of a digest, as docker shows image IDs and layers.</summary>
    public static string Short(Digest digest) => digest.Hex[..12];
}
