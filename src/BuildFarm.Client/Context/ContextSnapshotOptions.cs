using BuildFarm.Dockerfile.Parsing;
using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Client.Context;

/// <summary>What to snapshot: a build context, and the build whose Dockerfile tells what of it is read.</summary>
public sealed record ContextSnapshotOptions
{
    /// <summary>The context directory.</summary>
    public required string ContextDirectory { get; init; }

    /// <summary>The Dockerfile on the host; null for <c>Dockerfile</c> in the context directory (either: <c>dockerfile</c> where there is no <c>Dockerfile</c>).</summary>
    public string? DockerfilePath { get; init; }

    /// <summary><c>--build-arg</c> values: they can change which paths COPY reads.</summary>
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    /// <summary><c>--target</c>: only the stages it needs are read; null for the last stage.</summary>
    public string? Target { get; init; }

    /// <summary><c>--platform</c>; null for the default.</summary>
    public string? Platform { get; init; }

    /// <summary>
    /// A file that keeps file digests between runs, keyed by path, size, modification time, inode
    /// and change time, so that an unchanged file is not read again. Null keeps them for this
    /// snapshot only.
    /// </summary>
    public string? DigestCacheFile { get; init; }

    /// <summary>
    /// Send only the paths the Dockerfile's COPY, ADD and RUN bind mounts read (plus the
    /// Dockerfile and its ignore file) when they can be known; otherwise the whole context.
    /// </summary>
    public bool OnlyPathsTheDockerfileReads { get; init; } = true;

    /// <summary>
    /// The farm's configs of the base images (<see cref="Builds.FarmClient.WithBaseImagesAsync"/>
    /// asks for them), so that what their ONBUILD triggers read is sent too; a base image they do
    /// not know makes the whole context go. Null plans without them, which misses what triggers
    /// read: for a snapshot taken with no farm to ask.
    /// </summary>
    public IBaseImageConfigSource? BaseImages { get; init; }

    internal string ResolvedDockerfilePath =>
        DockerfileLowerCaseName.ResolveOnDisk(Path.GetFullPath(DockerfilePath ?? Path.Combine(ContextDirectory, DockerfileParser.DefaultFileName)));
}
