using BuildFarm.Execution.Sources;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Mounts.Internal;

/// <summary>
/// An overlayfs lower dir that, stacked above the build context, hides what <c>.dockerignore</c>
/// excludes, so a bind mount of the context shows what BuildKit would have been sent: a whiteout
/// (a 0/0 character device) per hidden entry, and the directories leading to them with the
/// context's own owner, mode and time, so the merged view keeps those.
/// </summary>
internal sealed class ContextMask
{
    private readonly SourceTree _context;
    private readonly string _mask;
    private readonly List<string> _directories = [string.Empty];
    private bool _hidesSomething;

    private ContextMask(SourceTree context, string mask)
    {
        _context = context;
        _mask = mask;
    }

    /// <summary>
    /// Writes into the new directory <paramref name="mask"/> the whiteouts for what is ignored below
    /// the context directory <paramref name="directory"/> (root-relative). False when nothing there
    /// is ignored: then no mask is needed.
    /// </summary>
    public static bool Write(SourceTree context, string directory, string mask)
    {
        if (context.Ignore.Patterns.Count == 0)
        {
            return false;
        }

        var writer = new ContextMask(context, mask);
        Directory.CreateDirectory(mask);
        writer.Hide(directory);
        writer.CopyDirectoryMetadata();
        return writer._hidesSomething;
    }

    /// <summary>Hides the ignored entries below <paramref name="directory"/>; true when something in it stays visible.</summary>
    private bool Hide(string directory)
    {
        var visible = false;
        foreach (var name in _context.ListNames(directory))
        {
            var path = SourceTree.Join(directory, name);
            var isDirectory = _context.Status(path).IsDirectory;
            if (!_context.IsIgnored(path))
            {
                if (isDirectory)
                {
                    Hide(path);
                }

                visible = true;
            }
            else if (isDirectory && _context.Ignore.HasExceptions && Hide(path))
            {
                visible = true; // an ignored directory that holds a re-included (!) path shows, with just that
            }
            else
            {
                WriteWhiteout(path);
            }
        }

        return visible;
    }

    private void WriteWhiteout(string path)
    {
        var maskPath = Path.Join(_mask, path);
        if (Directory.Exists(maskPath))
        {
            // Its children were hidden one by one before it turned out nothing in it stays.
            Directory.Delete(maskPath, recursive: true);
            _directories.RemoveAll(d => d == path || d.StartsWith(path + "/", StringComparison.Ordinal));
        }

        var parent = string.Empty;
        var components = path.Split('/');
        foreach (var component in components.AsSpan(0, components.Length - 1))
        {
            parent = SourceTree.Join(parent, component);
            if (!Directory.Exists(Path.Join(_mask, parent)))
            {
                Directory.CreateDirectory(Path.Join(_mask, parent));
                _directories.Add(parent);
            }
        }

        LibC.MakeNode(maskPath, FileStatus.TypeCharacter, 0, 0);
        _hidesSomething = true;
    }

    /// <summary>Deepest first, as creating entries changes a directory's time.</summary>
    private void CopyDirectoryMetadata()
    {
        foreach (var directory in _directories.OrderByDescending(static d => d.Length))
        {
            var path = Path.Join(_mask, directory);
            var original = _context.Status(directory);
            LibC.LChown(path, original.Uid, original.Gid);
            LibC.Chmod(path, original.Permissions);
            LibC.SetModificationTime(path, original.ModificationTime);
        }
    }
}
