namespace BuildFarm.Oci.History.Internal;

/// <summary>
/// The paths the layers read so far hide from the layers below them: a tree of path components,
/// each marked with how much of itself it hides.
/// </summary>
internal sealed class HiddenPaths
{
    private readonly Node _root = new();

    [Flags]
    public enum Cover
    {
        None = 0,

        /// <summary>The entry at the path is replaced (a directory: its own metadata only, its contents merge).</summary>
        Entry = 1,

        /// <summary>Everything under the path is hidden (an opaque directory), not the path itself.</summary>
        Below = 2,

        /// <summary>Deleted or replaced by a non-directory: the path and everything under it.</summary>
        EntryAndBelow = Entry | Below,
    }

    public void Add(string path, Cover cover)
    {
        if (cover == Cover.None)
        {
            return;
        }

        var node = _root;
        foreach (var name in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node.Cover.HasFlag(Cover.Below))
            {
                // Already hidden whole by an upper layer; nothing finer can add to it.
                return;
            }

            node = node.Children.TryGetValue(name, out var child) ? child : node.Children[name] = new Node();
        }

        node.Cover |= cover;
    }

    public bool Hides(string path)
    {
        var node = _root;
        foreach (var name in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node.Cover.HasFlag(Cover.Below))
            {
                return true;
            }

            if (!node.Children.TryGetValue(name, out node))
            {
                return false;
            }
        }

        return node.Cover.HasFlag(Cover.Entry);
    }

    private sealed class Node
    {
        public Cover Cover { get; set; }

        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
    }
}
