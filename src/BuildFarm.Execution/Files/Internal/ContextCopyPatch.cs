using BuildFarm.Execution.Sources;
using BuildFarm.Oci.Internal;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Execution.Files.Internal;

/// <summary>
/// Turns the result of an earlier run of a COPY of one context directory into the result of this
/// run, whose context tree differs from the earlier one in a few entries: only those entries are
/// removed, copied or given new metadata, and the directories holding them get the metadata a
/// whole copy ends with. What it leaves is the tree a whole copy would make; a monorepo's one-file
/// edit so costs one file, not the whole directory.
/// </summary>
/// <remarks>
/// It applies only where a whole copy is a function of each entry's path and content alone: COPY
/// (not ADD) of one literal directory path with no symbolic link on the way, in both trees, and no
/// exception pattern in the ignore file or the excludes (an exception can bring a file back below a
/// hidden directory, which makes what shows depend on other entries).
/// </remarks>
internal sealed class ContextCopyPatch
{
    private readonly CopyRequest _request;
    private readonly SourceTree _tree;
    private readonly SelectionFilter _filter;
    private readonly string _source;
    private readonly List<(string Path, ChangeKind Kind)> _changes;

    private ContextCopyPatch(CopyRequest request, SourceTree tree, SelectionFilter filter, string source, List<(string Path, ChangeKind Kind)> changes)
    {
        _request = request;
        _tree = tree;
        _filter = filter;
        _source = source;
        _changes = changes;
    }

    private enum ChangeKind
    {
        /// <summary>In the earlier tree only: its copy goes.</summary>
        Removed,

        /// <summary>New, or a file or link whose content, mode or target changed, or whose kind did: copied again.</summary>
        Copied,

        /// <summary>A directory whose mode changed: its own metadata alone.</summary>
        Metadata,
    }

    /// <summary>How many entries the patch removes, copies or changes.</summary>
    public int Count => _changes.Count;

    /// <summary>
    /// The patch that makes the copy of <paramref name="previous"/> a copy of <paramref name="request"/>'s
    /// tree, or null when the request is not one a patch can redo exactly.
    /// </summary>
    public static ContextCopyPatch? TryCreate(CopyRequest request, TreeView previous)
    {
        if (request is not { IsAdd: false, Parents: false, InlineSources.Count: 0, Sources: [var source], Source: ContentSourceTree tree }
            || source.IndexOfAny(['*', '?', '[', '\\']) >= 0)
        {
            return null;
        }

        var filter = new SelectionFilter(tree, request.Excludes);
        var path = string.Join('/', SourceSelector.CleanComponents(source));
        if (filter.HasExceptions || tree.Resolve(path) != path || !tree.Status(path).IsDirectory
            || filter.Excludes(new SourceMatch(source, path, path)) || !IsPlainDirectory(previous, path, tree.Tree.Find(path)))
        {
            return null;
        }

        var changes = new List<(string, ChangeKind)>();
        Compare(previous, tree.Tree, filter, path, path, changes);
        return new ContextCopyPatch(request, tree, filter, path, changes);
    }

    /// <summary>Applies the patch to <paramref name="destinationRoot"/>, the image's <c>/</c> holding the earlier copy.</summary>
    public void Apply(string destinationRoot, CancellationToken cancellationToken)
    {
        var target = new CopyTarget(destinationRoot, ChmodSpec.Parse(_request.Chmod), CopyOwner.Resolve(_request.Chown, destinationRoot));
        var copier = new TreeCopier(_tree, _filter, target, cancellationToken);
        var destination = target.Resolve(_request.Destination);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (path, kind) in _changes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var targetPath = $"{destination}/{Relative(path)}";
            if (kind != ChangeKind.Metadata)
            {
                Delete(targetPath);
            }

            if (kind == ChangeKind.Copied)
            {
                copier.CopyNested(path, Relative(path), targetPath);
            }

            for (var directory = kind == ChangeKind.Metadata ? path : Parent(path); directory.Length > _source.Length; directory = Parent(directory))
            {
                finished.Add(directory);
            }
        }

        // Deepest first: finishing a directory sets its time, which a change inside it would move again.
        foreach (var directory in finished.OrderByDescending(static directory => directory.Count(static c => c == '/')))
        {
            copier.FinishNestedDirectory(directory, $"{destination}/{Relative(directory)}");
        }

        // The copied directory itself keeps what it has but takes its source's time, as a whole copy leaves it.
        if (_changes.Count > 0)
        {
            LibC.SetModificationTime(destination, _tree.Status(_source).ModificationTime);
        }
    }

    // The source directory and each directory above it is a directory in the earlier tree too, with the same mode.
    private static bool IsPlainDirectory(TreeView previous, string path, TreeEntry? current)
    {
        if (path.Length == 0)
        {
            return true;
        }

        var components = path.Split('/');
        for (var i = 1; i <= components.Length; i++)
        {
            if (previous.Find(string.Join('/', components[..i])) is not { Kind: TreeEntryKind.Directory } entry
                || (i == components.Length && entry.Mode != current!.Mode))
            {
                return false;
            }
        }

        return true;
    }

    // Both trees' entries below one directory, name by name; subtrees with one digest are skipped whole.
    private static void Compare(TreeView previous, TreeView current, SelectionFilter filter, string source, string directory, List<(string, ChangeKind)> changes)
    {
        var before = previous.List(directory).ToDictionary(static entry => entry.Name, StringComparer.Ordinal);
        var after = current.List(directory).ToDictionary(static entry => entry.Name, StringComparer.Ordinal);
        foreach (var name in before.Keys.Union(after.Keys).Order(StringComparer.Ordinal))
        {
            var path = SourceTree.Join(directory, name);
            if (filter.IsHidden(path, RelativeTo(source, path)))
            {
                continue;
            }

            before.TryGetValue(name, out var old);
            after.TryGetValue(name, out var now);
            if (now is null)
            {
                changes.Add((path, ChangeKind.Removed));
            }
            else if (old is null || old.Kind != now.Kind)
            {
                changes.Add((path, ChangeKind.Copied));
            }
            else if (now.Kind == TreeEntryKind.Directory)
            {
                if (old.Mode != now.Mode)
                {
                    changes.Add((path, ChangeKind.Metadata));
                }

                if (old.Digest != now.Digest)
                {
                    Compare(previous, current, filter, source, path, changes);
                }
            }
            else if (old.Mode != now.Mode || old.Digest != now.Digest || old.Size != now.Size || old.LinkTarget != now.LinkTarget)
            {
                // Owners do not count: a copy from the context makes everything root's.
                changes.Add((path, ChangeKind.Copied));
            }
        }
    }

    private static void Delete(string path)
    {
        if (LibC.TryLStat(path) is not { } status)
        {
            return;
        }

        if (status.IsDirectory)
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }

    private string Relative(string path) => RelativeTo(_source, path);

    private static string RelativeTo(string source, string path) => source.Length == 0 ? path : path[(source.Length + 1)..];

    private static string Parent(string path) => path.LastIndexOf('/') is var slash and >= 0 ? path[..slash] : string.Empty;
}
