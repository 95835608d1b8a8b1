namespace BuildFarm.Execution.Sandbox.Internal;

/// <summary>The cgroup v1 hierarchies, one per controller under <c>/sys/fs/cgroup</c>, as these hosts mount them.</summary>
internal static class CgroupHierarchies
{
    public const string Root = "/sys/fs/cgroup";

    /// <summary>The controllers step limits use.</summary>
    public static IReadOnlyList<string> LimitControllers { get; } = ["memory", "pids", "cpu"];

    /// <summary><paramref name="cgroup"/> (absolute within a hierarchy) in <paramref name="controller"/>'s hierarchy.</summary>
    public static string PathIn(string controller, string cgroup) => Root + "/" + controller + cgroup;

    /// <summary>The controllers of <see cref="LimitControllers"/> this host does not mount as cgroup v1 hierarchies.</summary>
    public static IReadOnlyList<string> Missing() =>
        [.. LimitControllers.Where(static controller => !File.Exists(Path.Combine(Root, controller, "cgroup.procs")) || File.Exists(Path.Combine(Root, controller, "cgroup.controllers")))];

    public static string Create(string controller, string cgroup)
    {
        var path = PathIn(controller, cgroup);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>
    /// Removes <paramref name="cgroup"/> and the cgroups below it from every hierarchy (runc
    /// creates a step's in all of them), deepest first. A cgroup that still has processes stays,
    /// for the next start's <see cref="Remove"/> of its parent.
    /// </summary>
    public static void Remove(string cgroup)
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        foreach (var hierarchy in Directory.EnumerateDirectories(Root))
        {
            var path = hierarchy + cgroup;
            if (Directory.Exists(path))
            {
                RemoveTree(path);
            }
        }
    }

    /// <summary>Removes, as <see cref="Remove"/> does, every cgroup in <paramref name="parent"/> whose name starts with <paramref name="namePrefix"/>.</summary>
    public static void RemoveAll(string parent, string namePrefix)
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        foreach (var hierarchy in Directory.EnumerateDirectories(Root).Where(hierarchy => Directory.Exists(hierarchy + parent)))
        {
            foreach (var cgroup in Directory.EnumerateDirectories(hierarchy + parent, namePrefix + "*"))
            {
                RemoveTree(cgroup);
            }
        }
    }

    // A cgroup's files are the kernel's: rmdir of each directory, never a recursive delete.
    private static void RemoveTree(string path)
    {
        foreach (var child in Directory.EnumerateDirectories(path))
        {
            RemoveTree(child);
        }

        try
        {
            Directory.Delete(path);
        }
        catch (IOException)
        {
            // Busy: processes still leaving (runc delete --force ran first), or another's.
        }
    }
}
