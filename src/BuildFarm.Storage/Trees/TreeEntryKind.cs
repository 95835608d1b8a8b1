namespace BuildFarm.Storage.Trees;

/// <summary>What a tree entry is. The numbers are part of the stored node format.</summary>
public enum TreeEntryKind
{
    /// <summary>A regular file; its content is the blob named by the entry's digest.</summary>
    File = 0,

    /// <summary>A directory; its listing is the <see cref="TreeNode"/> blob named by the entry's digest.</summary>
    Directory = 1,

    /// <summary>A symbolic link, kept as a link: its target is stored, never followed.</summary>
    Symlink = 2,
}
