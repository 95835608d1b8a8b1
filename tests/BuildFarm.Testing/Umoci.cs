namespace BuildFarm.Testing;

/// <summary>umoci, the independent peer that turns an OCI image into the root file system a runtime would see.</summary>
public static class Umoci
{
    /// <summary>
    /// Unpacks the image named <paramref name="tag"/> in the OCI layout <paramref name="layoutDirectory"/>
    /// into the new runtime bundle <paramref name="bundleDirectory"/>, applying every layer in order
    /// (whiteouts and opaque directories included), and returns the bundle's root file system.
    /// </summary>
    public static async Task<string> UnpackAsync(string layoutDirectory, string tag, string bundleDirectory)
    {
        await ProcessRunner.RunCheckedAsync("umoci", ["unpack", "--image", $"{layoutDirectory}:{tag}", bundleDirectory]);
        return Path.Combine(bundleDirectory, "rootfs");
    }
}
