using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace BuildFarm.Execution.Internal;

/// <summary>
/// The Linux calls the engine needs and .NET does not wrap: mounting, a thread-private working
/// directory, opening a path confined to a root, and listing a path's xattrs. File status, single
/// xattrs and times are BuildFarm.Oci's <c>LibC</c>.
/// </summary>
internal static partial class LinuxCalls
{
    private const string Library = "libc";
    private const int CloneFs = 0x200;
    private const int AtFdCwd = -100;
    private const long SysOpenat2 = 437; // the same number on every architecture (the syscall is newer than the split tables)
    private const ulong OpenReadOnly = 0;
    private const ulong OpenCloseOnExec = 0x80000;
    private const ulong OpenPath = 0x200000;
    private const ulong ResolveNoMagicLinks = 0x02;
    private const ulong ResolveInRoot = 0x10;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int EINVAL = 22;
    private const int EBUSY = 16;
    private const int ERANGE = 34;
    private const int EOPNOTSUPP = 95;
    private const int ENODATA = 61;
    private const int EAGAIN = 11;
    private const int EventFdNonBlocking = 0x800;
    private const int EventFdCloseOnExec = 0x80000;
    private const int EEXIST = 17;
    private const int ENOTEMPTY = 39;
    private const uint RenameNoReplaceFlag = 1;

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

    /// <summary>The names of the extended attributes of the path itself (not a symlink's target).</summary>
    public static IReadOnlyList<string> ListXattrs(string path)
    {
        var size = 1024;
        while (true)
        {
            var buffer = new byte[size];
            var length = llistxattr(path, buffer, (nuint)buffer.Length);
            if (length >= 0)
            {
                return Encoding.UTF8.GetString(buffer, 0, (int)length).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }

            var errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case ERANGE:
                    size *= 4;
                    continue;
                case EOPNOTSUPP:
                    return [];
                default:
                    throw new IOException($"Cannot list the xattrs of '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
            }
        }
    }

    /// <summary>Removes an extended attribute of the path itself (not a symlink's target); nothing when it has none.</summary>
    public static void RemoveXattr(string path, string name)
    {
        if (lremovexattr(path, name) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != ENODATA)
            {
                throw new IOException($"Cannot remove xattr {name} of '{path}': {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
            }
        }
    }

    /// <summary>
    /// Renames <paramref name="source"/> to <paramref name="target"/> in one step, unless the
    /// target exists (false then): unlike rename(2), never replaces an empty directory.
    /// </summary>
    public static bool RenameNoReplace(string source, string target)
    {
        if (renameat2(AtFdCwd, source, AtFdCwd, target, RenameNoReplaceFlag) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno is EEXIST or ENOTEMPTY
            ? false
            : throw new IOException($"Cannot rename '{source}' to '{target}': {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>A new non-blocking eventfd with a count of 0, closed on exec.</summary>
    public static SafeFileHandle CreateEventCounter()
    {
        var fd = eventfd(0, EventFdNonBlocking | EventFdCloseOnExec);
        return fd >= 0
            ? new SafeFileHandle(fd, ownsHandle: true)
            : throw new IOException($"Cannot create an eventfd: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
    }

    /// <summary>Takes an eventfd's count (resetting it to 0); 0 when nothing was signalled.</summary>
    public static ulong TakeEventCount(SafeFileHandle eventCounter)
    {
        ulong count = 0;
        if (read(eventCounter, ref count, sizeof(ulong)) == sizeof(ulong))
        {
            return count;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == EAGAIN ? 0UL : throw new IOException($"Cannot read an eventfd: {Marshal.GetPInvokeErrorMessage(errno)}.", errno);
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
    private static partial nint llistxattr(string path, byte[] list, nuint size);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int chdir(string path);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lremovexattr(string path, string name);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int renameat2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long syscall(long number, int dirfd, string path, ref OpenHow how, nuint size);

    [LibraryImport(Library, SetLastError = true)]
    private static partial int eventfd(uint initialValue, int flags);

    [LibraryImport(Library, SetLastError = true)]
    private static partial nint read(SafeFileHandle fd, ref ulong buffer, nuint count);
}
