using System.Text;

namespace BuildFarm.Oci.Tests.TestSupport;

/// <summary>Makes file trees with exact owners, modes and times (tests run as root).</summary>
public sealed class TreeBuilder(string root)
{
    public string Root { get; } = root;

    public string Path(string relative) => System.IO.Path.Combine(Root, relative);

    public TreeBuilder Directory(string relative, string mode = "755", string owner = "0:0")
    {
        System.IO.Directory.CreateDirectory(Path(relative));
        return Meta(relative, mode, owner);
    }

    public TreeBuilder File(string relative, string content, string mode = "644", string owner = "0:0")
    {
        System.IO.File.WriteAllText(Path(relative), content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return Meta(relative, mode, owner);
    }

    public TreeBuilder Symlink(string relative, string target, string owner = "0:0")
    {
        System.IO.File.CreateSymbolicLink(Path(relative), target);
        Tools.Run("chown", ["-h", owner, Path(relative)]);
        return this;
    }

    public TreeBuilder HardLink(string relative, string existing)
    {
        Tools.Run("ln", [Path(existing), Path(relative)]);
        return this;
    }

    public TreeBuilder Fifo(string relative, string mode = "600")
    {
        Tools.Run("mkfifo", ["-m", mode, Path(relative)]);
        return this;
    }

    public TreeBuilder CharDevice(string relative, int major, int minor, string mode = "666")
    {
        Tools.Run("mknod", ["-m", mode, Path(relative), "c", major.ToString(System.Globalization.CultureInfo.InvariantCulture), minor.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        return this;
    }

    /// <summary>Sets every entry's mtime (symlinks included, not followed).</summary>
    public TreeBuilder TouchAll(DateTimeOffset time)
    {
        Tools.Run("find", [Root, "-exec", "touch", "-h", "-d", time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture), "{}", "+"]);
        return this;
    }

    private TreeBuilder Meta(string relative, string mode, string owner)
    {
        Tools.Run("chown", [owner, Path(relative)]);
        Tools.Run("chmod", [mode, Path(relative)]);
        return this;
    }
}
