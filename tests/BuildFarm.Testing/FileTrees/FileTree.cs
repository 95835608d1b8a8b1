using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace BuildFarm.Testing.FileTrees;

/// <summary>
/// Every entry below a root directory, sorted by path (ordinal), as the differential tests compare
/// unpacked images. The walk is GNU find's (an independent peer: it reports owners, special mode
/// bits and inodes as stat does); contents are hashed here.
/// </summary>
public sealed class FileTree
{
    private const int FieldsPerEntry = 8;

    public FileTree(IEnumerable<FileTreeEntry> entries)
    {
        Entries = [.. entries.OrderBy(e => e.Path, StringComparer.Ordinal)];
        var duplicate = Entries.Zip(Entries.Skip(1)).FirstOrDefault(pair => pair.First.Path == pair.Second.Path);
        if (duplicate != default)
        {
            throw new ArgumentException($"The path '{duplicate.First.Path}' is in the tree twice.", nameof(entries));
        }
    }

    public IReadOnlyList<FileTreeEntry> Entries { get; }

    public FileTreeEntry? this[string path] => Entries.FirstOrDefault(e => e.Path == path);

    public static async Task<FileTree> ReadAsync(string root)
    {
        // NUL-separated fields: type, mode (with special bits), uid, gid, link count, inode, symlink target, path.
        var output = await ProcessRunner.RunCheckedAsync("find", [root, "-mindepth", "1", "-printf", "%y\\0%m\\0%U\\0%G\\0%n\\0%i\\0%l\\0%P\\0"]);
        var fields = output.Split('\0');
        var found = new List<(FileTreeEntry Entry, long Inode, bool Shared)>();
        for (var i = 0; i + FieldsPerEntry <= fields.Length; i += FieldsPerEntry)
        {
            var kind = KindOf(fields[i]);
            var path = fields[i + 7];
            var mode = Convert.ToInt32(fields[i + 1], 8);
            var uid = long.Parse(fields[i + 2], CultureInfo.InvariantCulture);
            var gid = long.Parse(fields[i + 3], CultureInfo.InvariantCulture);
            var entry = kind switch
            {
                FileKind.File => await ReadFileAsync(Path.Combine(root, path), path, mode, uid, gid),
                FileKind.Symlink => new FileTreeEntry(path, kind, mode, uid, gid, LinkTarget: fields[i + 6]),
                _ => new FileTreeEntry(path, kind, mode, uid, gid),
            };
            var shared = kind != FileKind.Directory && long.Parse(fields[i + 4], CultureInfo.InvariantCulture) > 1;
            found.Add((entry, long.Parse(fields[i + 5], CultureInfo.InvariantCulture), shared));
        }

        // Hard links: every path of an inode but the first names the first, as a tar would.
        var firstPathOfInode = found.Where(f => f.Shared)
            .GroupBy(f => f.Inode)
            .ToDictionary(g => g.Key, g => g.Select(f => f.Entry.Path).Min(StringComparer.Ordinal)!);
        return new FileTree(found.Select(f =>
            f.Shared && firstPathOfInode[f.Inode] != f.Entry.Path ? f.Entry with { HardLinkOf = firstPathOfInode[f.Inode] } : f.Entry));
    }

    /// <summary>This tree without the given paths (and nothing else).</summary>
    public FileTree Without(IEnumerable<string> paths)
    {
        var removed = paths.ToHashSet(StringComparer.Ordinal);
        return new FileTree(Entries.Where(e => !removed.Contains(e.Path)));
    }

    /// <summary>This tree with <paramref name="entries"/> added, each replacing the entry of the same path.</summary>
    public FileTree Overlay(IEnumerable<FileTreeEntry> entries)
    {
        var added = entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        return new FileTree(Entries.Where(e => !added.ContainsKey(e.Path)).Concat(added.Values));
    }

    /// <summary>This tree with <paramref name="change"/> applied to the entry at <paramref name="path"/>, which must exist.</summary>
    public FileTree With(string path, Func<FileTreeEntry, FileTreeEntry> change)
    {
        var entry = this[path] ?? throw new ArgumentException($"The tree has no '{path}'.", nameof(path));
        return new FileTree(Entries.Select(e => e == entry ? change(e) : e));
    }

    /// <summary>
    /// The entries in which the two trees differ, one line each: <c>- </c> for
    /// <paramref name="expected"/>'s, <c>+ </c> for <paramref name="actual"/>'s, in path order;
    /// empty when the trees are equal.
    /// </summary>
    public static string Diff(FileTree expected, FileTree actual, string expectedName = "expected", string actualName = "actual")
    {
        var left = expected.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var right = actual.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var lines = new StringBuilder();
        foreach (var path in left.Keys.Union(right.Keys).Order(StringComparer.Ordinal))
        {
            left.TryGetValue(path, out var was);
            right.TryGetValue(path, out var now);
            if (was != now)
            {
                lines.Append("- ").AppendLine(was?.ToString() ?? $"{path}  (missing)");
                lines.Append("+ ").AppendLine(now?.ToString() ?? $"{path}  (missing)");
            }
        }

        return lines.Length == 0 ? string.Empty : $"--- {expectedName}\n+++ {actualName}\n{lines}";
    }

    public override string ToString() => string.Join('\n', Entries);

    private static FileKind KindOf(string type) => type switch
    {
        "d" => FileKind.Directory,
        "f" => FileKind.File,
        "l" => FileKind.Symlink,
        "p" => FileKind.Fifo,
        "s" => FileKind.Socket,
        "c" => FileKind.CharDevice,
        "b" => FileKind.BlockDevice,
        _ => throw new InvalidDataException($"find reported an unknown file type '{type}'."),
    };

    private static async Task<FileTreeEntry> ReadFileAsync(string fullPath, string path, int mode, long uid, long gid)
    {
        await using var content = File.OpenRead(fullPath);
        if (content.Length <= FileTreeEntry.MaxTextLength)
        {
            var bytes = new byte[content.Length];
            await content.ReadExactlyAsync(bytes);
            return FileTreeEntry.FromContent(path, bytes, mode, uid, gid);
        }

        var digest = "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(content));
        return new FileTreeEntry(path, FileKind.File, mode, uid, gid, digest);
    }
}
