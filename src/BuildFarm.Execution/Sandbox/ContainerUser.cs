using System.Globalization;
using System.Text;
using BuildFarm.Execution.Internal;

namespace BuildFarm.Execution.Sandbox;

/// <summary>The ids a container's process runs with.</summary>
public sealed record ContainerUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids)
{
    public static ContainerUser Root { get; } = new(0, 0, []);

    /// <summary>
    /// Resolves a USER value against the root's <c>/etc/passwd</c> and <c>/etc/group</c>, as
    /// BuildKit does: empty is root; a numeric <c>uid</c> or <c>uid:gid</c> (and <c>root</c>) is
    /// taken as is, a lone uid also being the gid; otherwise the name is looked up
    /// (libcontainer's GetExecUser): a user's gid is its passwd entry's unless a group is given,
    /// and without an explicit group the groups that list the user's name are its supplementary groups.
    /// The files are read inside <paramref name="root"/>: their symlinks cannot leave it.
    /// </summary>
    /// <exception cref="InvalidOperationException">A name is not in the files, or an id is out of range.</exception>
    public static ContainerUser Resolve(string user, string root)
    {
        ArgumentNullException.ThrowIfNull(user);
        return TryParseNumeric(user) ?? LookUp(user, root);
    }

    /// <summary>
    /// Resolves the USER a RUN step's process runs as, as BuildKit's executor does (executor/oci
    /// GetUser), which differs from <see cref="Resolve"/> (ownership, as COPY --chown and WORKDIR
    /// give it): only <c>uid:gid</c> given as numbers (or <c>root</c>) skips the files. Anything else
    /// is looked up, the default (empty) as uid 0: so root gets the groups <c>/etc/group</c> lists it
    /// in, and a lone uid without a passwd entry runs with gid 0, not its uid. The default falls back
    /// to plain root when the root's files cannot say. The gid is always among the groups, first unless listed.
    /// </summary>
    /// <exception cref="InvalidOperationException">A name is not in the files, or an id is out of range.</exception>
    public static ContainerUser ResolveProcess(string user, string root)
    {
        ArgumentNullException.ThrowIfNull(user);
        ContainerUser resolved;
        var (userPart, groupPart) = SplitSpec(user);
        if (user.Length == 0)
        {
            try
            {
                resolved = LookUp("0", root);
            }
            catch (InvalidOperationException)
            {
                resolved = Root;
            }
        }
        else
        {
            resolved = groupPart is not null && ParseIdOrRoot(userPart) is { } uid && ParseIdOrRoot(groupPart) is { } gid
                ? new ContainerUser(uid, gid, [])
                : LookUp(user, root);
        }

        // The process's own gid leads its groups, as BuildKit's ensureAdditionalGids puts it there.
        return resolved.AdditionalGids.Contains(resolved.Gid) ? resolved : resolved with { AdditionalGids = [resolved.Gid, .. resolved.AdditionalGids] };
    }

    /// <summary>libcontainer's GetExecUser: the user by name or uid in passwd, its group by name or gid, its supplementary groups.</summary>
    private static ContainerUser LookUp(string user, string root)
    {
        var (userPart, groupPart) = SplitSpec(user);
        var passwd = ReadLines(root, "/etc/passwd");
        var group = ReadLines(root, "/etc/group");

        var userId = ParseId(userPart);
        var entry = passwd?.Select(static line => line.Split(':'))
            .FirstOrDefault(fields => userId is { } id ? Field(fields, 2) == id.ToString(CultureInfo.InvariantCulture) : Field(fields, 0) == userPart);
        string? matchedName = null;
        uint uid = 0, gid = 0;
        if (entry is not null)
        {
            matchedName = Field(entry, 0);
            uid = ParseId(Field(entry, 2)) ?? 0;
            gid = ParseId(Field(entry, 3)) ?? 0;
        }
        else if (userId is { } id)
        {
            uid = id;
        }
        else
        {
            throw new InvalidOperationException($"unable to find user {userPart}: no matching entries in passwd file");
        }

        var groups = group?.Select(static line => line.Split(':')).ToList() ?? [];
        if (groupPart is not null)
        {
            var groupId = ParseId(groupPart);
            var match = groups.FirstOrDefault(fields => groupId is { } id ? Field(fields, 2) == id.ToString(CultureInfo.InvariantCulture) : Field(fields, 0) == groupPart);
            gid = match is not null
                ? ParseId(Field(match, 2)) ?? 0
                : groupId ?? throw new InvalidOperationException($"unable to find group {groupPart}: no matching entries in group file");
            return new ContainerUser(uid, gid, []);
        }

        var supplementary = matchedName is null
            ? []
            : groups.Where(fields => Field(fields, 3).Split(',').Contains(matchedName, StringComparer.Ordinal))
                .Select(static fields => ParseId(Field(fields, 2)) ?? 0)
                .ToList();
        return new ContainerUser(uid, gid, supplementary);
    }

    /// <summary>BuildKit's fast path: ids given as numbers (or <c>root</c>) need no files.</summary>
    private static ContainerUser? TryParseNumeric(string user)
    {
        if (user.Length == 0)
        {
            return Root;
        }

        var (userPart, groupPart) = SplitSpec(user);
        if (ParseIdOrRoot(userPart) is not { } uid)
        {
            return null;
        }

        if (groupPart is null)
        {
            return new ContainerUser(uid, uid, []);
        }

        return ParseIdOrRoot(groupPart) is { } gid ? new ContainerUser(uid, gid, []) : null;
    }

    private static (string User, string? Group) SplitSpec(string user)
    {
        var colon = user.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (user, null) : (user[..colon], user[(colon + 1)..]);
    }

    private static uint? ParseIdOrRoot(string value) => value == "root" ? 0 : ParseId(value);

    private static uint? ParseId(string value) =>
        value.Length > 0 && value.All(char.IsAsciiDigit)
            ? uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id <= int.MaxValue
                ? id
                : throw new InvalidOperationException($"user or group id '{value}' is out of range")
            : null;

    private static string Field(string[] fields, int index) => index < fields.Length ? fields[index] : string.Empty;

    /// <summary>The file's non-blank lines, or null when the root has no such file (numeric ids still work then).</summary>
    private static List<string>? ReadLines(string root, string path)
    {
        using var handle = LinuxCalls.OpenReadInRoot(root, path);
        if (handle is null)
        {
            return null;
        }

        using var reader = new StreamReader(new FileStream(handle, FileAccess.Read), Encoding.UTF8);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            line = line.Trim();
            if (line.Length > 0)
            {
                lines.Add(line);
            }
        }

        return lines;
    }
}
