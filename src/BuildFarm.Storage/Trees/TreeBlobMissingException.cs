using BuildFarm.Oci;

namespace BuildFarm.Storage.Trees;

/// <summary>A tree names a blob (a file's content or a directory's node) that the content store does not hold.</summary>
public sealed class TreeBlobMissingException : FileNotFoundException
{
    public TreeBlobMissingException(Digest root, Digest missing, string path, Exception? inner = null)
        : base($"Tree {root} is incomplete: blob {missing} ({Describe(path)}) is not in the content store.", inner)
    {
        Root = root;
        Missing = missing;
        PathInTree = path;
    }

    public Digest Root { get; }

    public Digest Missing { get; }

    /// <summary>Where in the tree the blob belongs, slash-separated; empty for the root node.</summary>
    public string PathInTree { get; }

    private static string Describe(string path) => path.Length == 0 ? "the root directory" : $"\"{path}\"";
}
