namespace BuildFarm.Dockerfile.Parsing;

/// <summary>
/// Docker's one alternative Dockerfile name: where a build asks for a file named exactly
/// <c>Dockerfile</c> and there is none, BuildKit's frontend reads <c>dockerfile</c> in the same
/// directory instead (moby/moby#10858). No other spelling counts.
/// </summary>
public static class DockerfileLowerCaseName
{
    /// <summary>The lower-case name, tried when <see cref="DockerfileParser.DefaultFileName"/> is absent.</summary>
    public const string FileName = "dockerfile";

    /// <summary>
    /// The path to read when <paramref name="path"/> does not exist: the same directory's
    /// <c>dockerfile</c> for a path whose file name is <c>Dockerfile</c>; null for any other name.
    /// </summary>
    /// <param name="path">Slash-separated, relative to a context root or absolute on the host.</param>
    public static string? Alternative(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = DockerfileParser.DefaultFileName;
        return path.EndsWith(name, StringComparison.Ordinal) && (path.Length == name.Length || path[^(name.Length + 1)] == '/')
            ? string.Concat(path.AsSpan(0, path.Length - name.Length), FileName)
            : null;
    }

    /// <summary>
    /// The Dockerfile on the host a build reads for <paramref name="path"/>: the path itself when it
    /// exists or has no alternative, else its <see cref="Alternative"/> when that exists.
    /// </summary>
    public static string ResolveOnDisk(string path) =>
        !File.Exists(path) && Alternative(path) is { } lower && File.Exists(lower) ? lower : path;
}
