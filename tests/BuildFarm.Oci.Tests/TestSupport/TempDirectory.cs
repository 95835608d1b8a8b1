namespace BuildFarm.Oci.Tests.TestSupport;

/// <summary>A directory under /tmp that is deleted (with whatever a test left in it) on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("buildfarm-oci-").FullName;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public string CreateDirectory(string relative) => Directory.CreateDirectory(Combine(relative)).FullName;

    public void Dispose()
    {
        Tools.Run("umount", ["-R", Path], allowFailure: true);
        Tools.Run("rm", ["-rf", Path]);
    }
}
