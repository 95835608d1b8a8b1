namespace BuildFarm.Execution.Internal;

/// <summary>Unmounting and deleting exec dirs, the same way for a finished step and for what a crash left.</summary>
internal static class ExecDirectories
{
    /// <summary>
    /// Unmounts <paramref name="mountPoint"/>; if something still holds it, detaches it so it goes
    /// when released. True when it is gone now, false when it was only detached (and may still be written).
    /// </summary>
    public static bool Unmount(string mountPoint)
    {
        try
        {
            LinuxCalls.Unmount(mountPoint);
            return true;
        }
        catch (IOException e) when (LinuxCalls.IsBusy(e))
        {
            LinuxCalls.Unmount(mountPoint, LinuxCalls.UnmountDetach);
            return false;
        }
    }

    /// <summary>
    /// Deletes <paramref name="directory"/>, first unmounting anything mounted below it: deleting
    /// through a mounted overlay would only whiteout, never free, and through a bind mount would
    /// delete the host's files.
    /// </summary>
    public static void Delete(string directory)
    {
        foreach (var mountPoint in MountTable.MountPointsUnder(directory))
        {
            Unmount(mountPoint);
        }

        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
