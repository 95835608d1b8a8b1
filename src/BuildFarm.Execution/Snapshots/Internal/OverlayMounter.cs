using System.Globalization;
using BuildFarm.Execution.Internal;

namespace BuildFarm.Execution.Snapshots.Internal;

/// <summary>
/// Mounts overlayfs with any number of lower dirs up to the kernel's stack limit.
/// </summary>
/// <remarks>
/// mount(2) takes at most one page of options, which absolute snapshot paths (about 100 bytes
/// each) exhaust at around 40 layers. Docker and containerd fork a helper that chdirs and passes
/// relative paths; .NET cannot fork, and changing the process's working directory would move
/// every other thread too. Instead the mount runs on a short-lived thread that first unshares
/// its filesystem attributes (<c>unshare(CLONE_FS)</c> affects only the calling thread), so it
/// can chdir privately into a directory of symlinks named <c>0</c>, <c>1</c>, ... pointing at
/// the snapshots; overlayfs follows them when it resolves the lower dirs at mount time. A lower
/// dir then costs at most four bytes of options, which keeps even overlayfs' limit of 500 lower
/// layers within a page, with no flattening (which would cost a copy of every layer) and no
/// window in which the rest of the process sees another working directory.
/// </remarks>
internal static class OverlayMounter
{
    /// <summary>overlayfs refuses more lower layers than this (OVL_MAX_STACK).</summary>
    public const int MaxLowerLayers = 500;

    /// <summary>
    /// Mounts <paramref name="target"/> as the overlay of <paramref name="lowerTopFirst"/> (top
    /// layer first) under a writable <paramref name="upper"/>; <paramref name="linkDirectory"/>
    /// must be a new directory for the short names.
    /// </summary>
    public static void Mount(IReadOnlyList<string> lowerTopFirst, string linkDirectory, string upper, string work, string target)
    {
        if (lowerTopFirst.Count is 0 or > MaxLowerLayers)
        {
            throw new ArgumentException($"An overlay needs 1 to {MaxLowerLayers} lower layers, not {lowerTopFirst.Count}.", nameof(lowerTopFirst));
        }

        Directory.CreateDirectory(linkDirectory);
        var names = new string[lowerTopFirst.Count];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = i.ToString(CultureInfo.InvariantCulture);
            File.CreateSymbolicLink(Path.Combine(linkDirectory, names[i]), lowerTopFirst[i]);
        }

        // redirect_dir and metacopy would record renames and metadata-only copy-ups in xattrs the
        // layer writer cannot turn into tar entries; index is only needed for hard-link copy-up
        // across mounts. Off, the upper dir is a plain tree plus whiteouts and opaque dirs.
        var options = $"lowerdir={string.Join(':', names)},upperdir={upper},workdir={work},index=off,redirect_dir=off,metacopy=off";
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                LinuxCalls.UnshareFileSystemAttributes();
                LinuxCalls.ChangeDirectory(linkDirectory);
                LinuxCalls.Mount("overlay", target, "overlay", options);
            }
            catch (Exception e)
            {
                failure = e;
            }
        })
        {
            Name = "overlay mount",
            IsBackground = true,
        };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            throw new IOException($"Cannot mount the overlay of {lowerTopFirst.Count} layers on '{target}': {failure.Message}", failure);
        }
    }
}
