using System.Text.RegularExpressions;

namespace BuildFarm.Testing;

/// <summary>The host's <c>ssh-add</c> and the shared libraries it loads (as <c>ldd</c> lists them): what a busybox image needs to run it.</summary>
public sealed partial record SshAddFiles(IReadOnlyList<string> Paths)
{
    public static async Task<SshAddFiles> FindAsync() =>
        new([.. LibraryPath().Matches(await ProcessRunner.RunCheckedAsync("ldd", ["/usr/bin/ssh-add"])).Select(static m => m.Groups[1].Value), "/usr/bin/ssh-add"]);

    /// <summary>Copies each file below <paramref name="root"/> at its own path (<c>ROOT/usr/bin/ssh-add</c>).</summary>
    public void CopyInto(string root)
    {
        foreach (var file in Paths)
        {
            var destination = Path.Join(root, file);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }

    [GeneratedRegex(@"(/\S+) \(0x")]
    private static partial Regex LibraryPath();
}
