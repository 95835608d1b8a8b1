using BuildFarm.Client.Context.Internal;
using BuildFarm.Oci;

namespace BuildFarm.Client.Context;

/// <summary>
/// A build context as a content tree: every directory a node blob, every file a blob named by
/// its sha256, the root node's digest the context's identity. <see cref="Take"/> walks the
/// context with <c>.dockerignore</c> applied, never following a symlink or reading outside it.
/// </summary>
public sealed class ContextSnapshot
{
    internal ContextSnapshot(Digest root, long rootSize, IReadOnlyList<ContextBlob> blobs, ContextWalkCounts counts, IReadOnlyList<string>? selectedPaths, string? selectionFallback, string? dockerfileInContext)
    {
        Root = root;
        RootSize = rootSize;
        Blobs = blobs;
        Files = counts.Files;
        Directories = counts.Directories;
        Symlinks = counts.Symlinks;
        FilesHashed = counts.FilesHashed;
        Skipped = counts.Skipped;
        SelectedPaths = selectedPaths;
        SelectionFallback = selectionFallback;
        DockerfileInContext = dockerfileInContext;
    }

    /// <summary>The digest of the root node: what <c>SubmitRequest.context_root</c> carries.</summary>
    public Digest Root { get; }

    /// <summary>The size of the root node blob.</summary>
    public long RootSize { get; }

    /// <summary>Every blob of the tree once (files of equal content share one), nodes included.</summary>
    public IReadOnlyList<ContextBlob> Blobs { get; }

    /// <summary>Regular files in the tree.</summary>
    public int Files { get; }

    /// <summary>Directories in the tree, the root included.</summary>
    public int Directories { get; }

    public int Symlinks { get; }

    /// <summary>How many files had to be read and hashed: 0 for a warm snapshot of an unchanged tree.</summary>
    public int FilesHashed { get; }

    /// <summary>Context paths left out because they are neither file, directory nor symlink (sockets, devices, FIFOs).</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>
    /// The context paths the Dockerfile reads (rooted, wildcards kept) when only those were sent;
    /// null when the whole context was (see <see cref="SelectionFallback"/>).
    /// </summary>
    public IReadOnlyList<string>? SelectedPaths { get; }

    /// <summary>Why the whole context was sent although only what the Dockerfile reads was asked for; null otherwise.</summary>
    public string? SelectionFallback { get; }

    /// <summary>The Dockerfile's path in the tree (slash-separated), or null when it lies outside the context and must be sent inline.</summary>
    public string? DockerfileInContext { get; }

    /// <summary>Walks the context and builds its tree.</summary>
    /// <exception cref="BuildFarm.Dockerfile.DockerfileException">The ignore file is malformed (<c>file:line: message</c>).</exception>
    /// <exception cref="DirectoryNotFoundException">The context directory does not exist.</exception>
    /// <exception cref="IOException">A file changed while it was read, or the context cannot be read.</exception>
    public static ContextSnapshot Take(ContextSnapshotOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        return ContextWalker.Snapshot(options, cancellationToken);
    }
}
