using BuildFarm.Testing;

namespace BuildFarm.Api.Tests.TestSupport;

/// <summary>A build context made on disk for a test: files, directories, links, modes and owners.</summary>
internal sealed class ContextFiles : IDisposable
{
    private readonly TempDirectory _directory = new("buildfarm-context");

    public ContextFiles()
    {
        Root = _directory.CreateDirectory("context");
        Scratch = _directory.CreateDirectory("scratch");
    }

    /// <summary>The context directory.</summary>
    public string Root { get; }

    /// <summary>A directory beside the context for caches and materialized copies.</summary>
    public string Scratch { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Writes each file (parents created); a path ending in '/' makes an empty directory.</summary>
    public ContextFiles Write(params (string Path, string Text)[] files)
    {
        foreach (var (path, text) in files)
        {
            if (path.EndsWith('/'))
            {
                Directory.CreateDirectory(PathOf(path));
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(PathOf(path))!);
            File.WriteAllText(PathOf(path), text);
        }

        return this;
    }

    public ContextFiles WriteBytes(string path, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(path))!);
        File.WriteAllBytes(PathOf(path), content);
        return this;
    }

    public ContextFiles Link(string path, string target)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(path))!);
        File.CreateSymbolicLink(PathOf(path), target);
        return this;
    }

    public ContextFiles Chmod(string path, string octalMode) => Run("chmod", octalMode, PathOf(path));

    public ContextFiles Chown(string path, int uid, int gid) => Run("chown", "-h", $"{uid}:{gid}", PathOf(path));

    public void Dispose()
    {
        // A test may leave read-only directories behind; make them writable so they can be removed.
        ProcessRunner.RunAsync("chmod", ["-R", "u+rwX", _directory.Path]).GetAwaiter().GetResult();
        _directory.Dispose();
    }

    private ContextFiles Run(string tool, params string[] arguments)
    {
        var result = ProcessRunner.RunAsync(tool, arguments).GetAwaiter().GetResult();
        Assert.True(result.ExitCode == 0, $"{tool} failed: {result.Error}");
        return this;
    }
}
