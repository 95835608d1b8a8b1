using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Execution.Sources;

namespace BuildFarm.Execution.Files;

/// <summary>One COPY or ADD, as the plan gives it, for <see cref="FileCopier"/>.</summary>
public sealed record CopyRequest
{
    /// <summary>Sources as written: paths (Go <c>path.Match</c> wildcards allowed), or http(s) URLs for ADD.</summary>
    public required IReadOnlyList<string> Sources { get; init; }

    /// <summary>Heredoc files, their content final; copied after <see cref="Sources"/>, as BuildKit does.</summary>
    public IReadOnlyList<InlineSource> InlineSources { get; init; } = [];

    /// <summary>Absolute path in the destination image; a trailing <c>/</c> makes it a directory.</summary>
    public required string Destination { get; init; }

    /// <summary>The context, or a stage's or image's root; null when there are only inline or URL sources.</summary>
    public SourceTree? Source { get; init; }

    /// <summary><c>--chown</c>: <c>user</c>, <c>uid</c>, <c>user:group</c> or <c>uid:gid</c>; names are looked up in the destination's /etc/passwd and /etc/group.</summary>
    public string? Chown { get; init; }

    /// <summary><c>--chmod</c>: octal (<c>755</c>) or symbolic (<c>u+x,g-w</c>).</summary>
    public string? Chmod { get; init; }

    /// <summary><c>COPY --parents</c>: keep each source's path (below a <c>/./</c> pivot when it has one).</summary>
    public bool Parents { get; init; }

    /// <summary><c>--exclude</c> patterns (<c>.dockerignore</c> syntax).</summary>
    public IReadOnlyList<string> Excludes { get; init; } = [];

    /// <summary>ADD: local archives are extracted (unless <see cref="Unpack"/> is false) and URLs fetched.</summary>
    public bool IsAdd { get; init; }

    /// <summary><c>ADD --unpack</c>: null leaves the default (local archives extracted, downloads not).</summary>
    public bool? Unpack { get; init; }

    /// <summary><c>ADD --checksum=sha256:...</c>, checked against the one URL source's content.</summary>
    public string? Checksum { get; init; }

    /// <summary>
    /// URL sources already downloaded (by <see cref="UrlFetcher"/>, for the cache key): they are
    /// copied from there instead of being fetched again.
    /// </summary>
    public IReadOnlyList<FetchedUrl> FetchedUrls { get; init; } = [];

    /// <summary>
    /// Git sources, checked out by <see cref="GitFetcher"/>: a source found here is added from its
    /// checkout (the contents of its tree, or of its subdir) rather than read as a path or URL.
    /// </summary>
    public IReadOnlyList<GitCheckout> GitCheckouts { get; init; } = [];
}
