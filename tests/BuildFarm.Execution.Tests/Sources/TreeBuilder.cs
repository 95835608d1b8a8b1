using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Sources;

/// <summary>Writes small file trees for the source tests: files, links, modes and owners.</summary>
internal static class TreeBuilder
{
    /// <summary>Creates each file (parents included) with its text; a path ending in '/' is an empty directory.</summary>
    public static void Write(string root, params (string Path, string Text)[] files)
    {
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(root, path);
            if (path.EndsWith('/'))
            {
                Directory.CreateDirectory(full);
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
    }

    public static void Link(string root, string path, string target)
    {
        var full = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.CreateSymbolicLink(full, target);
    }

    public static void Chown(string path, int uid, int gid) => Run("chown", "-h", $"{uid}:{gid}", path);

    public static void SetCapability(string path, string capability) => Run("setcap", capability, path);

    private static void Run(string tool, params string[] arguments)
    {
        var result = ProcessRunner.RunAsync(tool, arguments).GetAwaiter().GetResult();
        Assert.True(result.ExitCode == 0, $"{tool} failed: {result.Error}");
    }
}
