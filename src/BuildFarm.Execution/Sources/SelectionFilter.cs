using BuildFarm.Dockerfile.Ignore;

namespace BuildFarm.Execution.Sources;

/// <summary>How a path below a selected directory takes part in a COPY.</summary>
internal enum EntryVisibility
{
    /// <summary>It is copied (and counts in the checksum).</summary>
    Visible,

    /// <summary>A hidden directory that an exception (<c>!pattern</c>) could bring something back from: only what comes back is copied, with this directory as its parent.</summary>
    HiddenWalk,

    /// <summary>Ignored or excluded, with nothing below it to bring back.</summary>
    Hidden,
}

/// <summary>
/// What a COPY/ADD selection leaves out: what the tree's <c>.dockerignore</c> hides and what
/// <c>--exclude</c> patterns (<c>.dockerignore</c> syntax) match. An exclude is matched against a
/// selected path's base name and, inside a selected directory, against paths relative to that
/// directory. The one place the checksum and the copier learn what counts.
/// </summary>
internal sealed class SelectionFilter
{
    private readonly SourceTree _tree;
    private readonly DockerIgnore _exclude;

    public SelectionFilter(SourceTree tree, IReadOnlyList<string> excludes)
    {
        _tree = tree;
        _exclude = excludes.Count == 0 ? DockerIgnore.Empty : DockerIgnore.Parse(string.Join('\n', excludes), "--exclude");
    }

    /// <summary>
    /// Whether an exception (<c>!pattern</c>) of the ignore file or the excludes could bring back
    /// something below a hidden directory. Without one, what is hidden depends on its path alone
    /// (<see cref="IsHidden"/>) and hides everything below it.
    /// </summary>
    public bool HasExceptions => _tree.Ignore.HasExceptions || _exclude.HasExceptions;

    /// <summary>Whether the entry at <paramref name="path"/>, <paramref name="relative"/> to the selected directory, is left out; only where there are no <see cref="HasExceptions"/>.</summary>
    public bool IsHidden(string path, string relative) => _tree.IsIgnored(path) || _exclude.IsIgnored(relative);

    /// <summary>Whether an <c>--exclude</c> drops a whole selected path.</summary>
    public bool Excludes(SourceMatch match) => _exclude.IsIgnored(Path.GetFileName(match.MatchedPath));

    /// <summary>
    /// How the entry at <paramref name="path"/> (root-relative), <paramref name="relative"/> to the
    /// selected directory it is in, takes part.
    /// </summary>
    public EntryVisibility Classify(string path, string relative)
    {
        var ignored = _tree.IsIgnored(path);
        var excluded = _exclude.IsIgnored(relative);
        if (!ignored && !excluded)
        {
            return EntryVisibility.Visible;
        }

        // A hidden directory is walked only when the exceptions of whichever hides it could bring
        // back something below it.
        var mayBringBack = _tree.Status(path).IsDirectory
            && (!ignored || _tree.Ignore.CouldReincludeUnder(path))
            && (!excluded || _exclude.CouldReincludeUnder(relative));
        return mayBringBack ? EntryVisibility.HiddenWalk : EntryVisibility.Hidden;
    }
}
