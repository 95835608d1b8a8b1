using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace BuildFarm.Execution.Internal;

/// <summary>
/// The Linux calls the engine needs and .NET does not wrap: mounting, a thread-private working
/// directory, opening a path confined to a root, and the metadata of mount-point stubs.
/// </summary>
internal static partial class LinuxCalls
{
    private const string Library = "libc";
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int CloneFs = 0x200;
    private const long SysOpenat2 = 437; // the same number on every architecture (the syscall is newer than the split tables)
    private const ulong OpenReadOnly = 0;
    private const ulong OpenCloseOnExec = 0x80000;
    private const ulong OpenPath = 0x200000;
    private const ulong ResolveNoMagicLinks = 0x02;
    private const ulong ResolveInRoot = 0x10;
    private const uint StatxBasicStats = 0x7FF;
    private const long UtimeOmit = (1L << 30) - 2;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int ENODATA = 61;
    private const int EOPNOTSUPP = 95;
    private const int EINVAL = 22;
    private const int EBUSY = 16;

    public const int UnmountDetach = 2;

    public static void Mount(string source, string target, string fileSystemType, string options)
    {
        if (mount(source, target, fileSystemType, 0, options) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot mount {fileSystemType} on '{target}' ({options.Length} bytes of options): {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
        }
    }

    /// <summary>Unmounts; false when nothing is mounted there (any more).</summary>
    public static bool Unmount(string target, int flags = 0)
    {
        if (umount2(target, flags) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is EINVAL or ENOENT
            ? false
            : throw new IOException($"Cannot unmount '{target}': {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
    }

    /// <summary>True when unmounting failed only because the mount is still in use.</summary>
    public static bool IsBusy(IOException exception) => exception.HResult == EBUSY;

    /// <summary>
    /// Gives the calling thread its own working directory (and root and umask), so a
    /// <see cref="ChangeDirectory"/> on it does not move the rest of the process.
    /// </summary>
    public static void UnshareFileSystemAttributes()
    {
        if (unshare(CloneFs) != 0)
        {
            throw new IOException($"Cannot unshare the working directory of a thread: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        }
    }

    public static void ChangeDirectory(string path)
    {
        if (chdir(path) != 0)
        {
            throw new IOException($"Cannot change directory to '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        }
    }

    /// <summary>
    /// Opens <paramref name="path"/> for reading as if <paramref name="root"/> were the root
    /// directory: absolute symlinks and <c>..</c> cannot leave it. Null when the file does not exist.
    /// </summary>
    public static SafeFileHandle? OpenReadInRoot(string root, string path)
    {
        // .NET opens no directories, so the root is opened here: O_PATH serves only as a starting point.
        var rootFd = open(root, (int)(OpenPath | OpenCloseOnExec));
        if (rootFd < 0)
        {
            var rootErrno = Marshal.GetLastPInvokeError();
            throw new IOException($"Cannot open '{root}': {Marshal.GetPInvokeErrorMessage(rootErrno)}.", rootErrno);
        }

        using var rootHandle = new SafeFileHandle(rootFd, ownsHandle: true);
        var how = new OpenHow { Flags = OpenReadOnly | OpenCloseOnExec, Resolve = ResolveInRoot | ResolveNoMagicLinks };
        var fd = (int)syscall(SysOpenat2, rootFd, path, ref how, (nuint)Marshal.SizeOf<OpenHow>());
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is ENOENT or ENOTDIR
            ? null
            : throw new IOException($"Cannot open '{path}' in '{root}': {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
    }

    /// <summary>What lstat says of a path, or null when it does not exist.</summary>
    public static NodeStatus? TryLStat(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno is ENOENT or ENOTDIR ? null : throw new IOException($"Cannot stat '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
        }

        // struct statx has one layout on every architecture.
        return new NodeStatus(
            Mode: BitConverter.ToUInt16(buffer[28..]),
            Uid: BitConverter.ToUInt32(buffer[20..]),
            Gid: BitConverter.ToUInt32(buffer[24..]),
            Size: BitConverter.ToInt64(buffer[40..]),
            ModificationTime: new NodeTime(BitConverter.ToInt64(buffer[112..]), BitConverter.ToUInt32(buffer[120..])),
            ChangeTime: new NodeTime(BitConverter.ToInt64(buffer[96..]), BitConverter.ToUInt32(buffer[104..])),
            Inode: BitConverter.ToUInt64(buffer[32..]),
            RdevMajor: BitConverter.ToUInt32(buffer[128..]),
            RdevMinor: BitConverter.ToUInt32(buffer[132..]));
    }

    /// <summary>Sets the modification time of the path itself, leaving its access time alone.</summary>
    public static void SetModificationTime(string path, NodeTime time)
    {
        Span<long> times = [0, UtimeOmit, time.Seconds, time.Nanoseconds];
        if (utimensat(AtFdCwd, path, ref MemoryMarshal.GetReference(times), AtSymlinkNoFollow) != 0)
        {
            throw new IOException($"Cannot set the times of '{path}': {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
        }
    }

    /// <summary>Whether the path has the extended attribute at all.</summary>
    public static bool HasXattr(string path, string name)
    {
        if (lgetxattr(path, name, IntPtr.Zero, 0) >= 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is ENODATA or EOPNOTSUPP
            ? false
            : throw new IOException($"Cannot read xattr {name} of '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount(string source, string target, string fileSystemType, ulong flags, string data);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);

    [LibraryImport(Library, SetLastError = true)]
    private static partial int unshare(int flags);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chdir(string path);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long syscall(long number, int dirfd, string path, ref OpenHow how, nuint size);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int utimensat(int dirfd, string path, ref long times, int flags);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint lgetxattr(string path, string name, IntPtr value, nuint size);
}

/// <summary>A file time with nanoseconds, as the kernel keeps it.</summary>
internal readonly record struct NodeTime(long Seconds, uint Nanoseconds);

/// <summary>The parts of lstat the engine compares.</summary>
internal readonly record struct NodeStatus(
    uint Mode,
    uint Uid,
    uint Gid,
    long Size,
    NodeTime ModificationTime,
    NodeTime ChangeTime,
    ulong Inode,
    uint RdevMajor,
    uint RdevMinor)
{
    private const uint TypeMask = 0xF000;

    public bool IsDirectory => (Mode & TypeMask) == 0x4000;

    public bool IsRegularFile => (Mode & TypeMask) == 0x8000;

    public bool IsSymlink => (Mode & TypeMask) == 0xA000;
}
