using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Trees;

namespace BuildFarm.Server.Builds;

/// <summary>
/// Checks a submitted context tree whole before its build is accepted, so that a tree the client
/// got wrong fails its Submit call instead of the build later: every node is in the store and
/// well-formed, and every file and directory blob is there with the size its entry gives.
/// </summary>
internal static class SubmittedTree
{
    /// <exception cref="TreeBlobMissingException">A node or file of the tree is not in the store.</exception>
    /// <exception cref="TreeFormatException">A node is malformed, or an entry's size is not its blob's.</exception>
    public static void Check(Digest root, ContentStore store)
    {
        var view = new TreeView(root, store);
        var pending = new Stack<(string Path, Digest Node)>();
        pending.Push((string.Empty, root));
        while (pending.TryPop(out var directory))
        {
            foreach (var entry in view.List(directory.Path))
            {
                var path = directory.Path.Length == 0 ? entry.Name : directory.Path + "/" + entry.Name;
                if (entry.Kind == TreeEntryKind.Symlink)
                {
                    continue;
                }

                var blob = entry.Digest!.Value;
                var stored = store.GetInfo(blob) ?? throw new TreeBlobMissingException(root, blob, path);
                if (stored.Size != entry.Size)
                {
                    throw new TreeFormatException(directory.Node, $"\"{path}\" is said to have {entry.Size} bytes but its blob {blob} has {stored.Size}");
                }

                if (entry.Kind == TreeEntryKind.Directory)
                {
                    pending.Push((path, blob));
                }
            }
        }
    }
}
