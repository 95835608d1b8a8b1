namespace BuildFarm.Testing;

/// <summary>
/// A fresh directory under the system temp directory, deleted with everything in it on dispose.
/// Mounts a test left below it (overlay roots, snapshots) are detached first, so a failed test
/// never makes the delete walk into a mounted file system.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "buildfarm-test")
    {
        Path = Directory.CreateTempSubdirectory(prefix + "-").FullName;
    }

    public string Path { get; }

    /// <summary>The full path of <paramref name="relative"/> inside this directory.</summary>
    public string Combine(params string[] relative) => System.IO.Path.Combine([Path, .. relative]);

    /// <summary>Creates <paramref name="relative"/> (and its parents) and returns its full path.</summary>
    public string CreateDirectory(string relative) => Directory.CreateDirectory(Combine(relative)).FullName;

    public void Dispose()
    {
        if (HasMountsBelow())
        {
            ProcessRunner.RunAsync("umount", ["-R", Path]).GetAwaiter().GetResult();
        }

        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }

    public override string ToString() => Path;

    // Field 5 of /proc/self/mountinfo is the mount point (spaces escaped as \040).
    private bool HasMountsBelow() =>
        File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Any(mountPoint => mountPoint == Path || mountPoint.StartsWith(Path + "/", StringComparison.Ordinal));
}
