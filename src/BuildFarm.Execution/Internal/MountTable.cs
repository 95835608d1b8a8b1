using System.Text;

namespace BuildFarm.Execution.Internal;

/// <summary>One line of <c>/proc/self/mountinfo</c>: where something is mounted and what.</summary>
internal sealed record MountEntry(string MountPoint, string FileSystemType, string Source);

/// <summary>Reads the mounts of this process's mount namespace from <c>/proc/self/mountinfo</c>.</summary>
internal static class MountTable
{
    public const string MountInfoPath = "/proc/self/mountinfo";

    public static IReadOnlyList<MountEntry> Read() => Parse(File.ReadAllText(MountInfoPath));

    /// <summary>Mount points at or below <paramref name="directory"/>, deepest (most recent) first: the order to unmount them in.</summary>
    public static IReadOnlyList<string> MountPointsUnder(string directory)
    {
        var prefix = Path.TrimEndingDirectorySeparator(directory) + "/";
        var found = Read()
            .Select(static entry => entry.MountPoint)
            .Where(point => point.StartsWith(prefix, StringComparison.Ordinal) || point + "/" == prefix)
            .ToList();
        found.Reverse();
        return found;
    }

    /// <summary>
    /// Parses mountinfo text (see proc(5)): <c>id parent major:minor root mount-point options
    /// [optional fields...] - type source super-options</c>, with space, tab, newline and backslash
    /// in paths written as octal escapes.
    /// </summary>
    public static IReadOnlyList<MountEntry> Parse(string mountInfo)
    {
        var entries = new List<MountEntry>();
        foreach (var line in mountInfo.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-", 6);
            if (fields.Length < 10 || separator < 0 || separator + 2 >= fields.Length)
            {
                throw new InvalidDataException($"Unexpected line in {MountInfoPath}: '{line}'.");
            }

            entries.Add(new MountEntry(Unescape(fields[4]), fields[separator + 1], Unescape(fields[separator + 2])));
        }

        return entries;
    }

    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        // The kernel escapes bytes, so decode to bytes first: a path need not be ASCII.
        var bytes = new List<byte>(field.Length);
        var raw = Encoding.UTF8.GetBytes(field);
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '\\' && i + 3 < raw.Length && IsOctal(raw[i + 1]) && IsOctal(raw[i + 2]) && IsOctal(raw[i + 3]))
            {
                bytes.Add((byte)(((raw[i + 1] - '0') << 6) | ((raw[i + 2] - '0') << 3) | (raw[i + 3] - '0')));
                i += 3;
            }
            else
            {
                bytes.Add(raw[i]);
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static bool IsOctal(byte value) => value is >= (byte)'0' and <= (byte)'7';
}
