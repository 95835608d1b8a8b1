using BuildFarm.Oci.Internal;

namespace BuildFarm.Oci.Layers.Internal;

/// <summary>
/// Turns a layer entry's path into a real path inside the root, the way the path would resolve
/// inside a container of the image: symlinks met on the way are followed, an absolute target
/// starting again at the root. The result never has a symlink among its parents, so nothing
/// written at it lands outside the root. A relative symlink climbing above the root is refused.
/// </summary>
internal sealed class RootedPathResolver(string root)
{
    private const int MaxSymlinkHops = 40;

    public string Root { get; } = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));

    /// <summary>
    /// Splits an entry name into clean components. A leading '/' or './' is dropped (tar paths are
    /// relative to the root); '..' is refused, since no layer has a reason to contain it.
    /// </summary>
    public static string[] Components(string entryName)
    {
        var components = entryName.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(static c => c != ".").ToArray();
        if (components.Contains(".."))
        {
            throw new InvalidDataException($"Layer entry '{entryName}' is refused: its path has a '..' component.");
        }

        return components;
    }

    /// <summary>
    /// The real directory that holds the last component, with symlinks resolved; missing
    /// directories on the way are created when <paramref name="createMissing"/> is set, otherwise
    /// the result is null.
    /// </summary>
    public string? ResolveParent(string entryName, IReadOnlyList<string> components, bool createMissing)
    {
        var resolved = new List<string>();
        var pending = new Stack<string>(components.Take(components.Count - 1).Reverse());
        var hops = 0;
        while (pending.TryPop(out var component))
        {
            if (component is "" or ".")
            {
                continue;
            }

            if (component == "..")
            {
                if (resolved.Count == 0)
                {
                    throw new InvalidDataException($"Layer entry '{entryName}' is refused: its path goes through a symlink that points outside the root.");
                }

                resolved.RemoveAt(resolved.Count - 1);
                continue;
            }

            var path = PathOf(resolved.Append(component));
            var status = LibC.TryLStat(path);
            if (status is null)
            {
                if (!createMissing)
                {
                    return null;
                }

                Directory.CreateDirectory(path);
                resolved.Add(component);
                continue;
            }

            if (status.Value.IsSymlink)
            {
                if (++hops > MaxSymlinkHops)
                {
                    throw new InvalidDataException($"Layer entry '{entryName}' is refused: too many levels of symbolic links.");
                }

                var target = new FileInfo(path).LinkTarget ?? string.Empty;
                if (target.StartsWith('/'))
                {
                    resolved.Clear();
                }

                foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.Push(part);
                }

                continue;
            }

            if (!status.Value.IsDirectory)
            {
                throw new InvalidDataException($"Layer entry '{entryName}': '/{string.Join('/', resolved.Append(component))}' is not a directory.");
            }

            resolved.Add(component);
        }

        return PathOf(resolved);
    }

    private string PathOf(IEnumerable<string> components)
    {
        var relative = string.Join('/', components);
        return relative.Length == 0 ? Root : $"{Root}/{relative}";
    }
}
