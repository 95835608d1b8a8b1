using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Files.Internal;

/// <summary>
/// <c>--chmod</c> as BuildKit applies it (fsutil's copier): an octal mode replaces every copied
/// entry's permission bits, setuid, setgid and sticky included, and is also the mode of the
/// directories the copy creates on the way (without its special bits); a symbolic mode changes each
/// entry's own bits, and created directories get 0755. Without one, entries keep their source's bits.
/// </summary>
internal sealed class ChmodSpec
{
    /// <summary>0755: what MkdirAll gives created directories without an octal --chmod.</summary>
    public const int DefaultDirectoryPermissions = 0x1ED;
    private const int MaxOctal = 0xFFF; // 07777

    private readonly int? _octal;
    private readonly SymbolicMode? _symbolic;

    private ChmodSpec(int? octal, SymbolicMode? symbolic)
    {
        _octal = octal;
        _symbolic = symbolic;
    }

    public static ChmodSpec None { get; } = new(null, null);

    /// <summary>Whether the copy changes modes at all.</summary>
    public bool IsSet => _octal is not null || _symbolic is not null;

    /// <summary>The mode of the directories the copy creates for the destination and its parents.</summary>
    public int CreatedDirectoryPermissions => _octal is { } octal ? octal & 0x1FF : DefaultDirectoryPermissions;

    /// <exception cref="FileCopyException">The value is neither an octal mode up to 07777 nor a valid symbolic mode.</exception>
    public static ChmodSpec Parse(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return None;
        }

        // The frontend tries strconv.ParseUint(value, 8, 32) first, then a symbolic mode.
        if (char.IsAsciiDigit(value[0]))
        {
            var octal = 0;
            foreach (var digit in value)
            {
                octal = digit is >= '0' and <= '7' && octal <= MaxOctal ? (octal * 8) + (digit - '0') : int.MaxValue;
            }

            return octal <= MaxOctal ? new ChmodSpec(octal, null) : throw OutOfRange(value);
        }

        return SymbolicMode.TryParse(value) is { } symbolic
            ? new ChmodSpec(null, symbolic)
            : throw new FileCopyException($"invalid chmod parameter: '{value}'. it should be an octal mode between 0 and 07777 or a symbolic mode such as u+x,g-w or a=rX");
    }

    /// <summary>The permission bits (with setuid, setgid, sticky) a copied entry gets.</summary>
    public int Apply(FileStatus source) =>
        _octal ?? _symbolic?.Apply(source.Permissions, source.IsDirectory) ?? source.Permissions;

    // BuildKit's own wording for a value that looks numeric but is no octal mode.
    private static FileCopyException OutOfRange(string value) =>
        new($"invalid chmod parameter: '{value}'. it should be octal string and between 0 and 07777");
}
