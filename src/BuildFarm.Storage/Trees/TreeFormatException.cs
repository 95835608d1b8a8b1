using BuildFarm.Oci;

namespace BuildFarm.Storage.Trees;

/// <summary>A tree node blob that is not a well-formed node, or a tree whose nodes or files cannot be used.</summary>
public sealed class TreeFormatException : IOException
{
    public TreeFormatException(Digest? node, string problem, Exception? inner = null)
        : base(node is { } digest ? $"Tree node {digest} is malformed: {problem}." : $"Tree node is malformed: {problem}.", inner)
    {
        Node = node;
    }

    /// <summary>The node blob at fault, when it is known.</summary>
    public Digest? Node { get; }
}
