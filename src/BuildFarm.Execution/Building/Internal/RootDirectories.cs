using BuildFarm.Execution.Sources;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Building.Internal;

/// <summary><c>mkdir -p</c> inside a root file system: symlinks on the way resolve inside the root, never outside it.</summary>
internal static class RootDirectories
{
    /// <summary>Creates <paramref name="path"/> and its missing parents (0755, owned by <paramref name="uid"/>:<paramref name="gid"/>); existing ones are left as they are.</summary>
    /// <exception cref="IOException">A component exists and is not a directory, or is a link that leads nowhere.</exception>
    public static void Create(string root, string path, uint uid, uint gid)
    {
        var tree = SourceTree.ForRootFileSystem(root, digests: new FileDigestCache());
        var resolved = string.Empty;
        foreach (var component in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = SourceTree.Join(resolved, component);
            var hostPath = Path.Join(root, next);
            var status = LibC.TryLStat(hostPath);
            if (status is null && component != "..")
            {
                Directory.CreateDirectory(hostPath);
                LibC.Chmod(hostPath, 0b111_101_101);
                LibC.LChown(hostPath, uid, gid);
                resolved = next;
                continue;
            }

            resolved = tree.Resolve(next)
                ?? throw new IOException($"Cannot create \"{path}\": \"/{next}\" is a symbolic link to nothing.");
            if (LibC.TryLStat(tree.HostPath(resolved)) is not { IsDirectory: true })
            {
                throw new IOException($"Cannot create \"{path}\": \"/{resolved}\" exists and is not a directory.");
            }
        }
    }
}
