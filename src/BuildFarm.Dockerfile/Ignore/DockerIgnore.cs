using System.Text;
using BuildFarm.Dockerfile.Internal;
using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Ignore;

/// <summary>
/// A <c>.dockerignore</c>: which build-context paths the client leaves out. Patterns apply in
/// order and the last one that matches a path (or one of its parent directories) decides;
/// <c>!pattern</c> re-includes. Paths are relative to the context root, slash-separated.
/// </summary>
public sealed class DockerIgnore
{
    /// <summary>The ignore file's name, at the context root or after a Dockerfile's name.</summary>
    public const string FileName = ".dockerignore";

    private DockerIgnore(IReadOnlyList<IgnorePattern> patterns)
    {
        Patterns = patterns;
    }

    /// <summary>An ignore file that ignores nothing.</summary>
    public static DockerIgnore Empty { get; } = new([]);

    /// <summary>The patterns in file order.</summary>
    public IReadOnlyList<IgnorePattern> Patterns { get; }

    /// <summary>True when some pattern is a <c>!</c> exception.</summary>
    public bool HasExceptions => Patterns.Any(p => p.IsException);

    /// <summary>
    /// Reads ignore-file text with Docker's rules: a UTF-8 BOM is dropped, lines starting with
    /// <c>#</c> are comments, blank lines are skipped, each pattern is trimmed and cleaned, and a
    /// leading <c>/</c> or <c>./</c> is dropped so <c>/a</c>, <c>./a</c> and <c>a</c> are the same.
    /// </summary>
    /// <param name="fileName">The file's name, for errors (<c>.dockerignore:3: ...</c>).</param>
    /// <exception cref="DockerfileException">A pattern is malformed.</exception>
    public static DockerIgnore Parse(string text, string fileName)
    {
        var patterns = new List<IgnorePattern>();
        var lineNumber = 0;
        foreach (var rawLine in text.TrimStart('\uFEFF').Split('\n'))
        {
            lineNumber++;
            var line = rawLine.TrimEnd('\r');
            if (line.StartsWith('#'))
            {
                continue;
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var exception = line[0] == '!';
            var pattern = exception ? line[1..].Trim() : line;
            var location = new SourceLocation(fileName, lineNumber, lineNumber);
            if (pattern.Length == 0)
            {
                throw new DockerfileException(location, "illegal exclusion pattern: \"!\"");
            }

            pattern = UnixPath.Clean(pattern);
            if (pattern.Length > 1 && pattern[0] == '/')
            {
                pattern = pattern[1..];
            }

            var compiled = IgnorePattern.TryCreate(pattern, exception, out var error)
                ?? throw new DockerfileException(location, $"{error}: {line}");
            patterns.Add(compiled);
        }

        return new DockerIgnore(patterns);
    }

    /// <summary>
    /// The ignore file for a build: <c>&lt;Dockerfile&gt;.dockerignore</c> beside the Dockerfile when it
    /// exists (e.g. <c>app.Dockerfile.dockerignore</c>), otherwise <c>.dockerignore</c> at the context
    /// root, otherwise none.
    /// </summary>
    public static string? Locate(string contextDirectory, string dockerfilePath)
    {
        var specific = dockerfilePath + FileName;
        if (File.Exists(specific))
        {
            return specific;
        }

        var root = Path.Combine(contextDirectory, FileName);
        return File.Exists(root) ? root : null;
    }

    /// <summary>Loads the ignore file <see cref="Locate"/> picks, or <see cref="Empty"/>.</summary>
    public static DockerIgnore Load(string contextDirectory, string dockerfilePath)
    {
        var path = Locate(contextDirectory, dockerfilePath);
        return path is null ? Empty : Parse(File.ReadAllText(path, Encoding.UTF8), path);
    }

    /// <summary>Whether a context path is left out of the build.</summary>
    /// <param name="relativePath">Relative to the context root, slash-separated (<c>src/app.cs</c>).</param>
    public bool IsIgnored(string relativePath)
    {
        if (Patterns.Count == 0)
        {
            return false; // most contexts: asked for every path they hold, with nothing to clean or compare
        }

        var path = UnixPath.Clean(relativePath.TrimStart('/'));
        if (path is "." or "/")
        {
            return false; // the context root itself is never ignored
        }

        var parents = ParentsOf(path);
        var ignored = false;
        foreach (var pattern in Patterns)
        {
            // An include can only flip a path that is not ignored yet, an exception one that is.
            if (pattern.IsException != ignored)
            {
                continue;
            }

            if (pattern.Matches(path) || parents.Any(pattern.Matches))
            {
                ignored = !pattern.IsException;
            }
        }

        return ignored;
    }

    /// <summary>
    /// For pruning a walk: false only when nothing below an ignored directory can be re-included,
    /// so the walker may skip it. Follows BuildKit's fsutil: with no exceptions nothing comes back;
    /// an exception with wildcards (other than a trailing <c>/*</c> or <c>/**</c>) could match
    /// anywhere, so nothing is pruned; otherwise only directories on the way to an exception's path.
    /// </summary>
    /// <param name="directory">An ignored directory, relative to the context root.</param>
    public bool CouldReincludeUnder(string directory)
    {
        var exceptions = Patterns.Where(p => p.IsException).Select(p => p.WithoutTrailingGlob()).ToList();
        if (exceptions.Count == 0)
        {
            return false;
        }

        if (exceptions.Any(p => p.AsSpan().IndexOfAny("*[]?^\\") >= 0))
        {
            return true;
        }

        var prefix = UnixPath.Clean(directory.TrimStart('/')) + "/";
        return exceptions.Any(p => (p + "/").StartsWith(prefix, StringComparison.Ordinal));
    }

    private static List<string> ParentsOf(string path)
    {
        var parents = new List<string>();
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash >= 0; slash = path.IndexOf('/', slash + 1))
        {
            parents.Add(path[..slash]);
        }

        return parents;
    }
}
