using BuildFarm.Execution.Sandbox;

namespace BuildFarm.Execution.Files.Internal;

/// <summary><c>--chown</c>, resolved to ids against the destination root.</summary>
internal static class CopyOwner
{
    /// <summary>Whether <paramref name="chown"/> names a user or group (ids and <c>root</c> need no lookup).</summary>
    public static bool NamesAnyone(string chown) =>
        chown.Split(':', 2).Any(static part => part != "root" && !(part.Length > 0 && part.All(char.IsAsciiDigit)));

    /// <summary>
    /// The owner every copied entry gets, or null without <c>--chown</c>. As BuildKit's
    /// <c>llb.WithUser</c>: a numeric user (or <c>root</c>) alone is also the group, a user name
    /// brings its passwd group, and a group after <c>:</c> replaces it. Names are looked up in the
    /// destination root's /etc/passwd and /etc/group (its links cannot leave the root).
    /// </summary>
    /// <exception cref="FileCopyException">A name is in neither file (BuildKit would quietly use 0), or an id is out of range.</exception>
    public static (uint Uid, uint Gid)? Resolve(string? chown, string destinationRoot)
    {
        if (string.IsNullOrEmpty(chown))
        {
            return null;
        }

        try
        {
            var user = ContainerUser.Resolve(chown, destinationRoot);
            return (user.Uid, user.Gid);
        }
        catch (InvalidOperationException error)
        {
            throw new FileCopyException($"invalid --chown={chown}: {error.Message} (looked up in /etc/passwd and /etc/group of the destination)", error);
        }
    }
}
