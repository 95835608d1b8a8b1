namespace BuildFarm.Dockerfile.Instructions;

/// <summary>A file written from a heredoc instead of read from a source (<c>COPY &lt;&lt;EOF /dest</c>).</summary>
/// <param name="Name">The heredoc delimiter, which becomes the file name.</param>
/// <param name="Content">The body.</param>
/// <param name="Expand">True when the delimiter was unquoted, so variables in the body are expanded.</param>
public sealed record InlineSource(string Name, string Content, bool Expand);

/// <summary>What COPY and ADD share: sources, destination and how files are owned and filtered.</summary>
/// <param name="Sources">Source paths (or URLs for ADD) as written.</param>
/// <param name="InlineSources">Heredoc sources, in order.</param>
/// <param name="Destination">The destination as written.</param>
/// <param name="Chown"><c>--chown</c>, or null.</param>
/// <param name="Chmod"><c>--chmod</c>, or null.</param>
/// <param name="Link"><c>--link</c>.</param>
/// <param name="Excludes"><c>--exclude</c> patterns (never expanded, as in BuildKit).</param>
public abstract record FileInstruction(
    IReadOnlyList<string> Sources,
    IReadOnlyList<InlineSource> InlineSources,
    string Destination,
    string? Chown,
    string? Chmod,
    bool Link,
    IReadOnlyList<string> Excludes) : Instruction
{
    /// <summary>
    /// The destination as written with its variables expanded, set by the planner (which makes
    /// <see cref="Destination"/> absolute against the working directory): the image history shows it.
    /// </summary>
    public string? WrittenDestination { get; init; }
}

/// <summary><c>COPY [--from] [--chown] [--chmod] [--link] [--parents] [--exclude] src... dest</c>.</summary>
/// <param name="From"><c>--from</c>: a stage name, a stage index, or an image; null for the build context.</param>
/// <param name="Parents"><c>--parents</c>: keep the source's directory structure.</param>
public sealed record CopyInstruction(
    IReadOnlyList<string> Sources,
    IReadOnlyList<InlineSource> InlineSources,
    string Destination,
    string? From,
    string? Chown,
    string? Chmod,
    bool Link,
    bool Parents,
    IReadOnlyList<string> Excludes)
    : FileInstruction(Sources, InlineSources, Destination, Chown, Chmod, Link, Excludes)
{
    public override string Keyword => "COPY";
}

/// <summary><c>ADD [--chown] [--chmod] [--link] [--exclude] [--checksum] [--keep-git-dir] [--unpack] src... dest</c>.</summary>
/// <param name="Checksum"><c>--checksum</c> for an HTTP or Git source, or null.</param>
/// <param name="KeepGitDir"><c>--keep-git-dir</c>, null when not given.</param>
/// <param name="Unpack"><c>--unpack</c>, null when not given (archives from the context unpack, from URLs not).</param>
public sealed record AddInstruction(
    IReadOnlyList<string> Sources,
    IReadOnlyList<InlineSource> InlineSources,
    string Destination,
    string? Chown,
    string? Chmod,
    bool Link,
    IReadOnlyList<string> Excludes,
    string? Checksum,
    bool? KeepGitDir,
    bool? Unpack)
    : FileInstruction(Sources, InlineSources, Destination, Chown, Chmod, Link, Excludes)
{
    public override string Keyword => "ADD";
}
