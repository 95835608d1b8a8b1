namespace BuildFarm.Oci.Tar;

/// <summary>
/// One tar entry's metadata. Extended attributes are raw bytes: <c>security.capability</c> is
/// binary and would not survive a text (UTF-8) representation, which is why this library has its
/// own tar format code instead of System.Formats.Tar (whose PAX values are strings, and whose PAX
/// header names contain the process id, so its output is not reproducible).
/// </summary>
public sealed class TarHeader
{
    /// <summary>The path as stored in the archive; directories may end in '/'.</summary>
    public required string Name { get; set; }

    public TarEntryKind Kind { get; set; }

    /// <summary>Permission bits with setuid, setgid and sticky (mask 07777).</summary>
    public int Mode { get; set; }

    public long Uid { get; set; }

    public long Gid { get; set; }

    /// <summary>Content length; only regular files have content.</summary>
    public long Size { get; set; }

    /// <summary>Seconds since the Unix epoch. Written with whole-second precision.</summary>
    public long ModificationTime { get; set; }

    /// <summary>Target of a symbolic link, or the archive path a hard link points to.</summary>
    public string LinkName { get; set; } = string.Empty;

    public int DevMajor { get; set; }

    public int DevMinor { get; set; }

    public string UserName { get; set; } = string.Empty;

    public string GroupName { get; set; } = string.Empty;

    /// <summary>Extended attributes by name (<c>security.capability</c>, ...), written as <c>SCHILY.xattr.*</c> PAX records.</summary>
    public SortedDictionary<string, byte[]> Xattrs { get; } = new(StringComparer.Ordinal);

    public override string ToString() => Name;
}
