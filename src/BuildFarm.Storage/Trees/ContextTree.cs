using System.Buffers;
using BuildFarm.Oci;
using BuildFarm.Oci.Internal;
using BuildFarm.Storage.Content;

namespace BuildFarm.Storage.Trees;

/// <summary>Turns a content tree held in a <see cref="ContentStore"/> back into files on disk.</summary>
public static class ContextTree
{
    /// <summary>A node is read whole to be parsed; one larger than this is refused rather than buffered.</summary>
    public const long MaxNodeBytes = 64L * 1024 * 1024;

    private const int CopyBufferSize = 64 * 1024;

    /// <summary>
    /// Recreates the tree <paramref name="root"/> in <paramref name="targetDirectory"/>: directories,
    /// files with their content from the store, symlinks as links (never followed), and every
    /// entry's mode and owner. The target is created when missing and must be empty; the root
    /// node describes its content, not the target itself, whose mode is left alone.
    /// </summary>
    /// <exception cref="TreeBlobMissingException">The store lacks a node or file of the tree; the message names it and its path.</exception>
    /// <exception cref="TreeFormatException">A node is malformed (a name with <c>/</c> or <c>..</c>, entries out of order, ...).</exception>
    /// <exception cref="IOException">The target is not an empty directory, or writing fails.</exception>
    public static async Task MaterializeAsync(Digest root, ContentStore store, string targetDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var target = Path.GetFullPath(targetDirectory);
        Directory.CreateDirectory(target);
        if (Directory.EnumerateFileSystemEntries(target).Any())
        {
            throw new IOException($"Cannot materialize tree {root} into '{target}': the directory is not empty.");
        }

        // Directories get their final mode and owner only after they are filled: a read-only
        // directory could not take its children otherwise. Children come later in this list
        // than their parents, so walking it backwards finishes them first.
        var finishedLast = new List<(string HostPath, TreeEntry Entry)>();
        var pending = new Stack<(Digest Node, string HostPath, string TreePath)>();
        pending.Push((root, target, string.Empty));
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            while (pending.TryPop(out var directory))
            {
                var node = ReadNode(store, root, directory.Node, directory.TreePath);
                foreach (var entry in node.Entries)
                {
                    var hostPath = Path.Join(directory.HostPath, entry.Name);
                    var treePath = directory.TreePath.Length == 0 ? entry.Name : directory.TreePath + "/" + entry.Name;
                    switch (entry.Kind)
                    {
                        case TreeEntryKind.Directory:
                            Directory.CreateDirectory(hostPath);
                            finishedLast.Add((hostPath, entry));
                            pending.Push((entry.Digest!.Value, hostPath, treePath));
                            break;
                        case TreeEntryKind.File:
                            await WriteFileAsync(store, root, node.Digest, entry, hostPath, treePath, buffer, cancellationToken).ConfigureAwait(false);
                            SetOwnerAndMode(hostPath, entry);
                            break;
                        case TreeEntryKind.Symlink:
                            File.CreateSymbolicLink(hostPath, entry.LinkTarget!);
                            LibC.LChown(hostPath, entry.Uid, entry.Gid);
                            break;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        for (var i = finishedLast.Count - 1; i >= 0; i--)
        {
            SetOwnerAndMode(finishedLast[i].HostPath, finishedLast[i].Entry);
        }
    }

    /// <summary>
    /// Adds every node and file of the tree <paramref name="root"/> to the live lease
    /// <paramref name="leaseId"/>, each leased before it is looked at, so that eviction and pruning
    /// leave the tree alone until the lease ends (a submitted build waiting to start keeps its
    /// context). What is missing or malformed is skipped: <see cref="MaterializeAsync"/> reports it.
    /// </summary>
    public static Task LeaseAsync(Digest root, ContentStore store, string leaseId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var pending = new Stack<(Digest Node, string TreePath)>();
        pending.Push((root, string.Empty));
        while (pending.TryPop(out var directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            store.Leases.Add(leaseId, directory.Node);
            TreeNode node;
            try
            {
                node = ReadNode(store, root, directory.Node, directory.TreePath);
            }
            catch (Exception e) when (e is TreeBlobMissingException or TreeFormatException)
            {
                continue;
            }

            foreach (var entry in node.Entries)
            {
                if (entry.Kind == TreeEntryKind.Directory)
                {
                    pending.Push((entry.Digest!.Value, directory.TreePath.Length == 0 ? entry.Name : directory.TreePath + "/" + entry.Name));
                }
                else if (entry.Kind == TreeEntryKind.File)
                {
                    store.Leases.Add(leaseId, entry.Digest!.Value);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Reads and parses one node of the tree <paramref name="root"/>, checking its digest.</summary>
    /// <exception cref="TreeBlobMissingException">The store lacks the node.</exception>
    /// <exception cref="TreeFormatException">The node is malformed or too large.</exception>
    internal static TreeNode ReadNode(ContentStore store, Digest root, Digest digest, string treePath)
    {
        using var stream = OpenBlob(store, root, digest, treePath);
        if (stream.Length > MaxNodeBytes)
        {
            throw new TreeFormatException(digest, $"the node of {Describe(treePath)} has {stream.Length} bytes, more than the {MaxNodeBytes} a node may have");
        }

        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        // Reading on to the end is what makes the stream check the digest.
        if (stream.Read(new byte[1]) != 0)
        {
            throw new TreeFormatException(digest, "the blob is longer than the store recorded");
        }

        return TreeNode.Parse(bytes, digest);
    }

    private static async Task WriteFileAsync(ContentStore store, Digest root, Digest node, TreeEntry entry, string hostPath, string treePath, byte[] buffer, CancellationToken cancellationToken)
    {
        var content = OpenBlob(store, root, entry.Digest!.Value, treePath);
        await using (content.ConfigureAwait(false))
        {
            if (content.Length != entry.Size)
            {
                throw new TreeFormatException(node, $"\"{treePath}\" is said to have {entry.Size} bytes but its blob {entry.Digest} has {content.Length}");
            }

            // CreateNew: a path that exists already (it cannot in an empty target) is never followed or overwritten.
            var file = new FileStream(hostPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
            await using (file.ConfigureAwait(false))
            {
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    private static BlobReadStream OpenBlob(ContentStore store, Digest root, Digest digest, string treePath)
    {
        try
        {
            return store.OpenRead(digest);
        }
        catch (BlobNotFoundException ex)
        {
            throw new TreeBlobMissingException(root, digest, treePath, ex);
        }
    }

    private static void SetOwnerAndMode(string hostPath, TreeEntry entry)
    {
        // Owner first: changing it clears setuid and setgid, which the mode then puts back.
        LibC.LChown(hostPath, entry.Uid, entry.Gid);
        LibC.Chmod(hostPath, entry.Mode);
    }

    private static string Describe(string treePath) => treePath.Length == 0 ? "the root directory" : $"\"{treePath}\"";
}
