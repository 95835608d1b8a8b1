using System.Globalization;
using System.Text.RegularExpressions;
using BuildFarm.Dockerfile.Instructions.Internal;
using BuildFarm.Dockerfile.Parsing;
using BuildFarm.Dockerfile.Internal;

namespace BuildFarm.Dockerfile.Instructions;

/// <summary>
/// Reads a <c>--mount</c> value (<c>type=cache,target=/root/.cache,sharing=locked</c>) into a
/// <see cref="RunMount"/>, with BuildKit's rules and error wording. Option values, not keys, are
/// expanded first: BuildKit expands them with the step's environment.
/// </summary>
public static partial class RunMountParser
{
    private const string FromVariableError = "'from' doesn't support variable expansion, define alias stage instead";

    /// <summary>Parses and checks one mount.</summary>
    /// <param name="spec">The <c>--mount</c> value as written.</param>
    /// <param name="location">The RUN instruction, for errors.</param>
    /// <param name="expand">Expands one option value.</param>
    public static RunMount Parse(string spec, SourceLocation location, Func<string, string> expand)
    {
        var fields = SplitFields(spec, location);
        CheckFromHasNoVariable(fields, location);

        var type = MountType.Bind;
        string? target = null, source = null, from = null, id = null, env = null;
        bool readOnly = false, readOnlyGiven = false, required = false;
        CacheSharing? sharing = null;
        uint? mode = null, uid = null, gid = null;
        long size = 0;

        foreach (var field in fields)
        {
            var equals = field.IndexOf('=', StringComparison.Ordinal);
            var key = (equals < 0 ? field : field[..equals]).ToLowerInvariant();
            if (equals < 0)
            {
                switch (key)
                {
                    case "readonly" or "ro":
                        (readOnly, readOnlyGiven) = (true, true);
                        continue;
                    case "readwrite" or "rw":
                        (readOnly, readOnlyGiven) = (false, true);
                        continue;
                    case "required" when type is MountType.Secret or MountType.Ssh:
                        required = true;
                        continue;
                    case "required":
                        throw Error(location, $"unexpected key '{key}' for mount type '{Name(type)}'");
                    default:
                        throw Error(location, $"invalid field '{field}' must be a key=value pair");
                }
            }

            var value = expand(field[(equals + 1)..]);
            switch (key)
            {
                case "type":
                    type = ParseType(value, location);
                    break;
                case "from":
                    from = value;
                    break;
                case "source" or "src":
                    source = value;
                    break;
                case "target" or "dst" or "destination":
                    target = value;
                    break;
                case "readonly" or "ro":
                    (readOnly, readOnlyGiven) = (ParseBool(key, value, location), true);
                    break;
                case "readwrite" or "rw":
                    (readOnly, readOnlyGiven) = (!ParseBool(key, value, location), true);
                    break;
                case "required" when type is MountType.Secret or MountType.Ssh:
                    required = ParseBool(key, value, location);
                    break;
                case "size" when type is MountType.Tmpfs:
                    size = RamSize.Parse(value) ?? throw Error(location, $"invalid value for {key}: {value}");
                    break;
                case "required" or "size":
                    throw Error(location, $"unexpected key '{key}' for mount type '{Name(type)}'");
                case "id":
                    id = value;
                    break;
                case "sharing":
                    sharing = value.ToLowerInvariant() switch
                    {
                        "shared" => CacheSharing.Shared,
                        "private" => CacheSharing.Private,
                        "locked" => CacheSharing.Locked,
                        _ => throw Error(location, $"unsupported sharing value \"{value}\""),
                    };
                    break;
                case "mode":
                    mode = ParseUnsigned(value, fromBase: 8) ?? throw Error(location, $"invalid value {value} for mode");
                    break;
                case "uid":
                    uid = ParseUnsigned(value, fromBase: 10) ?? throw Error(location, $"invalid value {value} for uid");
                    break;
                case "gid":
                    gid = ParseUnsigned(value, fromBase: 10) ?? throw Error(location, $"invalid value {value} for gid");
                    break;
                case "env":
                    env = value;
                    break;
                default:
                    throw Error(location, Suggestion.Append($"unexpected key '{key}' in '{field}'", key, MountKeys));
            }
        }

        if (type is MountType.Bind or MountType.Tmpfs)
        {
            var (name, given) = mode is not null ? ("mode", true) : uid is not null ? ("uid", true) : ("gid", gid is not null);
            if (given)
            {
                throw Error(location, $"{name} not allowed for \"{Name(type)}\" type mounts");
            }
        }

        if (!readOnlyGiven)
        {
            readOnly = type is not (MountType.Cache or MountType.Tmpfs);
        }

        if (type == MountType.Secret)
        {
            CheckSecret(from, sharing, source, target, id, location);
        }

        if (sharing is not null && type != MountType.Cache)
        {
            throw Error(location, $"invalid cache sharing set for {Name(type)} mount");
        }

        return new RunMount(type, target, source, from, readOnly, id, sharing, required, env, mode, uid, gid, size);
    }

    /// <summary>
    /// The checks BuildKit makes before variables are known: the value splits into fields and
    /// <c>from=</c> names no variable. Returns true when the spec has no variable at all, so it
    /// can be checked completely right away.
    /// </summary>
    internal static bool CheckWithoutExpansion(string spec, SourceLocation location)
    {
        CheckFromHasNoVariable(SplitFields(spec, location), location);
        return !spec.Contains('$', StringComparison.Ordinal);
    }

    /// <summary>The <c>from=</c> value as written, or null: BuildKit reads it before variables are known.</summary>
    internal static string? RawFrom(string spec)
    {
        string? from = null;
        foreach (var field in CsvFields.Split(spec))
        {
            var equals = field.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && field[..equals].Equals("from", StringComparison.OrdinalIgnoreCase))
            {
                from = field[(equals + 1)..];
            }
        }

        return from;
    }

    /// <summary>The lower-case name BuildKit prints for a mount type.</summary>
    public static string Name(MountType type) => type.ToString().ToLowerInvariant();

    private static void CheckFromHasNoVariable(IReadOnlyList<string> fields, SourceLocation location)
    {
        foreach (var field in fields)
        {
            var equals = field.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0 || !field[..equals].Equals("from", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = field[(equals + 1)..];
            var dollar = value.IndexOf('$', StringComparison.Ordinal);
            if (dollar >= 0 && dollar != value.Length - 1)
            {
                throw Error(location, FromVariableError);
            }
        }
    }

    private static void CheckSecret(string? from, CacheSharing? sharing, string? source, string? target, string? id, SourceLocation location)
    {
        if (!string.IsNullOrEmpty(from))
        {
            throw Error(location, "secret mount should not have a from");
        }

        if (sharing is not null)
        {
            throw Error(location, "secret mount should not define sharing");
        }

        if (string.IsNullOrEmpty(source) && string.IsNullOrEmpty(target) && string.IsNullOrEmpty(id))
        {
            throw Error(location, "invalid secret mount. one of source, target required");
        }

        if (!string.IsNullOrEmpty(source) && !string.IsNullOrEmpty(id))
        {
            throw Error(location, "both source and id can't be set");
        }
    }

    private static IReadOnlyList<string> SplitFields(string spec, SourceLocation location)
    {
        try
        {
            return CsvFields.Split(spec);
        }
        catch (FormatException e)
        {
            throw Error(location, $"failed to parse csv mounts: {e.Message}");
        }
    }

    /// <summary>The keys a mount knows, for the suggestion after an unknown one.</summary>
    private static readonly string[] MountKeys =
        ["type", "from", "source", "src", "target", "dst", "destination", "readonly", "ro", "readwrite", "rw", "required", "size", "id", "sharing", "mode", "uid", "gid", "env"];

    private static MountType ParseType(string value, SourceLocation location) => value.ToLowerInvariant() switch
    {
        "bind" => MountType.Bind,
        "cache" => MountType.Cache,
        "tmpfs" => MountType.Tmpfs,
        "secret" => MountType.Secret,
        "ssh" => MountType.Ssh,
        _ => throw Error(location, Suggestion.Append($"unsupported mount type \"{value}\"", value, ["bind", "cache", "tmpfs", "secret", "ssh"])),
    };

    private static bool ParseBool(string key, string value, SourceLocation location) =>
        GoBool.TryParse(value, out var result) ? result : throw Error(location, $"invalid value for {key}: {value}");

    private static uint? ParseUnsigned(string value, int fromBase)
    {
        if (value.Length == 0 || !value.All(c => fromBase == 8 ? c is >= '0' and <= '7' : char.IsAsciiDigit(c)))
        {
            return null;
        }

        try
        {
            return Convert.ToUInt32(value, fromBase);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private static DockerfileException Error(SourceLocation location, string reason) => new(location, reason);
}
