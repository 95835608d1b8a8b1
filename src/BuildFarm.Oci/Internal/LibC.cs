using System.Runtime.InteropServices;
using System.Text;

namespace BuildFarm.Oci.Internal;

/// <summary>The few Linux calls .NET has no API for: lstat with inode and device, xattrs, mknod, lchown, link, utimensat, syncfs and fsync of a directory.</summary>
internal static partial class LibC
{
    private const string Library = "libc";
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7FF;
    private const long UtimeOmit = (1L << 30) - 2;
    private const int ENODATA = 61;
    private const int ERANGE = 34;
    private const int EOPNOTSUPP = 95;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int OpenDirectory = 0x10000; // O_DIRECTORY (O_RDONLY is 0)
    private const int OpenCloseOnExec = 0x80000;

    public static FileStatus LStat(string path) =>
        TryLStat(path) ?? throw Error("stat", path, errno: 2);

    /// <summary>Like <see cref="LStat"/> but null when the path does not exist.</summary>
    public static FileStatus? TryLStat(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR ? null : throw Error("stat", path, errno);
        }

        // struct statx: a fixed, architecture-independent layout.
        return new FileStatus(
            Mode: BitConverter.ToUInt16(buffer[28..]),
            Uid: BitConverter.ToUInt32(buffer[20..]),
            Gid: BitConverter.ToUInt32(buffer[24..]),
            Size: BitConverter.ToInt64(buffer[40..]),
            Inode: BitConverter.ToUInt64(buffer[32..]),
            DevMajor: BitConverter.ToUInt32(buffer[136..]),
            DevMinor: BitConverter.ToUInt32(buffer[140..]),
            RdevMajor: BitConverter.ToUInt32(buffer[128..]),
            RdevMinor: BitConverter.ToUInt32(buffer[132..]),
            LinkCount: BitConverter.ToUInt32(buffer[16..]),
            ModificationSeconds: BitConverter.ToInt64(buffer[112..]),
            ModificationNanoseconds: BitConverter.ToUInt32(buffer[120..]),
            ChangeSeconds: BitConverter.ToInt64(buffer[96..]),
            ChangeNanoseconds: BitConverter.ToUInt32(buffer[104..]));
    }

    /// <summary>The value of an extended attribute of the path itself (not a symlink's target), or null when it has none.</summary>
    public static byte[]? GetXattr(string path, string name)
    {
        var size = 256;
        while (true)
        {
            var buffer = new byte[size];
            var length = lgetxattr(path, name, buffer, (nuint)buffer.Length);
            if (length >= 0)
            {
                return buffer[..(int)length];
            }

            var errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case ENODATA or EOPNOTSUPP:
                    return null;
                case ERANGE:
                    size *= 4;
                    continue;
                default:
                    throw Error($"read xattr {name} of", path, errno);
            }
        }
    }

    public static void SetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        if (lsetxattr(path, name, ref MemoryMarshal.GetReference(value), (nuint)value.Length, 0) != 0)
        {
            throw Error($"set xattr {name} on", path);
        }
    }

    public static void MakeNode(string path, uint mode, uint major, uint minor)
    {
        if (mknod(path, mode, MakeDev(major, minor)) != 0)
        {
            throw Error("create device node", path);
        }
    }

    public static void LChown(string path, long uid, long gid)
    {
        if (lchown(path, (uint)uid, (uint)gid) != 0)
        {
            throw Error("change owner of", path);
        }
    }

    /// <summary>chmod; follows symlinks, so callers never pass one.</summary>
    public static void Chmod(string path, int permissions)
    {
        if (chmod(path, (uint)permissions) != 0)
        {
            throw Error("change mode of", path);
        }
    }

    public static void HardLink(string existing, string newPath)
    {
        if (link(existing, newPath) != 0)
        {
            throw Error($"hard link '{existing}' as", newPath);
        }
    }

    /// <summary>Sets access and modification time of the path itself, symlinks included.</summary>
    public static void SetTimes(string path, long seconds)
    {
        Span<long> times = [seconds, 0, seconds, 0];
        if (utimensat(AtFdCwd, path, ref MemoryMarshal.GetReference(times), AtSymlinkNoFollow) != 0)
        {
            throw Error("set times of", path);
        }
    }

    /// <summary>Sets only the modification time of the path itself, to the nanosecond, leaving its access time alone.</summary>
    public static void SetModificationTime(string path, FileTime time)
    {
        Span<long> times = [0, UtimeOmit, time.Seconds, time.Nanoseconds];
        if (utimensat(AtFdCwd, path, ref MemoryMarshal.GetReference(times), AtSymlinkNoFollow) != 0)
        {
            throw Error("set times of", path);
        }
    }

    /// <summary>
    /// syncfs(2): writes every dirty page and inode of the file system holding <paramref name="directory"/>
    /// to disk, and reports a writeback error any file of it met. One call makes a whole batch of
    /// freshly written files durable, far cheaper than an fsync per file (each one a journal commit).
    /// </summary>
    public static void SyncFileSystem(string directory) => WithDirectory(directory, "sync the file system of", static fd => syncfs(fd));

    /// <summary>fsync(2) of a directory: makes the names created, renamed or removed in it durable.</summary>
    public static void SyncDirectory(string directory) => WithDirectory(directory, "sync the directory", static fd => fsync(fd));

    private static void WithDirectory(string directory, string action, Func<int, int> call)
    {
        var fd = open(directory, OpenDirectory | OpenCloseOnExec);
        if (fd < 0)
        {
            throw Error(action, directory);
        }

        try
        {
            if (call(fd) != 0)
            {
                throw Error(action, directory);
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    private static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0xFFFFF000) << 32) | ((ulong)(major & 0xFFF) << 8) | ((ulong)(minor & 0xFFFFFF00) << 12) | (minor & 0xFF);

    private static IOException Error(string action, string path) => Error(action, path, Marshal.GetLastPInvokeError());

    private static IOException Error(string action, string path, int errno) =>
        new($"Cannot {action} '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.", errno);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, byte[] value, nuint size);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, ref byte value, nuint size, int flags);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mknod(string path, uint mode, ulong dev);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lchown(string path, uint uid, uint gid);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chmod(string path, uint mode);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string existing, string newPath);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport(Library, SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport(Library, SetLastError = true)]
    private static partial int syncfs(int fd);

    [LibraryImport(Library, SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int dirfd, string path, ref long times, int flags);
}
