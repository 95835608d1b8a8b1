namespace BuildFarm.Oci.Internal;

/// <summary>What <c>statx</c> says of a path, without following a final symlink.</summary>
internal readonly record struct FileStatus(
    uint Mode,
    uint Uid,
    uint Gid,
    long Size,
    ulong Inode,
    uint DevMajor,
    uint DevMinor,
    uint RdevMajor,
    uint RdevMinor,
    uint LinkCount,
    long ModificationSeconds,
    uint ModificationNanoseconds,
    long ChangeSeconds,
    uint ChangeNanoseconds)
{
    public const uint TypeMask = 0xF000;
    public const uint TypeSocket = 0xC000;
    public const uint TypeSymlink = 0xA000;
    public const uint TypeRegular = 0x8000;
    public const uint TypeBlock = 0x6000;
    public const uint TypeDirectory = 0x4000;
    public const uint TypeCharacter = 0x2000;
    public const uint TypeFifo = 0x1000;

    public uint Type => Mode & TypeMask;

    /// <summary>Permission bits with setuid, setgid and sticky.</summary>
    public int Permissions => (int)(Mode & 0xFFF);

    public bool IsDirectory => Type == TypeDirectory;

    public bool IsSymlink => Type == TypeSymlink;

    public bool IsRegular => Type == TypeRegular;

    public FileTime ModificationTime => new(ModificationSeconds, ModificationNanoseconds);

    /// <summary>overlayfs marks a deleted lower file with a 0/0 character device in the upper dir.</summary>
    public bool IsOverlayWhiteout => Type == TypeCharacter && RdevMajor == 0 && RdevMinor == 0;
}

/// <summary>A file time with nanoseconds, as the kernel keeps it.</summary>
internal readonly record struct FileTime(long Seconds, uint Nanoseconds);
