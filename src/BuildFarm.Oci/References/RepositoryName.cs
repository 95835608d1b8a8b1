namespace BuildFarm.Oci.References;

/// <summary>
/// A repository on a registry, normalized the way docker normalizes names: <c>busybox</c> is
/// <c>docker.io/library/busybox</c>, <c>me/app</c> is <c>docker.io/me/app</c>, and a first
/// component with a dot, a colon or <c>localhost</c> names the registry.
/// </summary>
public sealed record RepositoryName
{
    /// <summary>The registry every name without a registry component lives on.</summary>
    public const string DockerHub = "docker.io";

    internal RepositoryName(string registry, string path)
    {
        Registry = registry;
        Path = path;
    }

    /// <summary>The registry host, with its port when it has one: <c>docker.io</c>, <c>127.0.0.1:5000</c>, <c>[::1]:5000</c>.</summary>
    public string Registry { get; }

    /// <summary>The repository path on the registry: <c>library/busybox</c>.</summary>
    public string Path { get; }

    /// <summary>Parses a repository name; a tag or digest is an error here.</summary>
    public static RepositoryName Parse(string value)
    {
        var reference = ImageReference.ParseExact(value);
        if (reference.Tag is not null || reference.Digest is not null)
        {
            throw new FormatException($"'{value}' is not a repository name: it has a tag or digest.");
        }

        return reference.Repository;
    }

    public override string ToString() => $"{Registry}/{Path}";
}
