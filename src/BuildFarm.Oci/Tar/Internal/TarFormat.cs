using System.Text;

namespace BuildFarm.Oci.Tar.Internal;

/// <summary>Field offsets and encodings of the ustar header block (POSIX.1-1988 with PAX extensions).</summary>
internal static class TarFormat
{
    public const int BlockSize = 512;

    public const int NameOffset = 0, NameLength = 100;
    public const int ModeOffset = 100;
    public const int UidOffset = 108;
    public const int GidOffset = 116;
    public const int SizeOffset = 124;
    public const int MtimeOffset = 136;
    public const int ChecksumOffset = 148, ChecksumLength = 8;
    public const int TypeOffset = 156;
    public const int LinkNameOffset = 157, LinkNameLength = 100;
    public const int MagicOffset = 257;
    public const int UserNameOffset = 265, UserNameLength = 32;
    public const int GroupNameOffset = 297, GroupNameLength = 32;
    public const int DevMajorOffset = 329;
    public const int DevMinorOffset = 337;
    public const int PrefixOffset = 345, PrefixLength = 155;

    /// <summary>Largest value of an 8-byte octal field (7 digits and a NUL).</summary>
    public const long MaxSmallOctal = 0x1FFFFF;

    /// <summary>Largest value of a 12-byte octal field (11 digits and a NUL).</summary>
    public const long MaxLargeOctal = 0x1FFFFFFFF;

    public const byte TypeRegular = (byte)'0';
    public const byte TypeRegularOld = 0;
    public const byte TypeHardLink = (byte)'1';
    public const byte TypeSymlink = (byte)'2';
    public const byte TypeCharDevice = (byte)'3';
    public const byte TypeBlockDevice = (byte)'4';
    public const byte TypeDirectory = (byte)'5';
    public const byte TypeFifo = (byte)'6';
    public const byte TypeContiguous = (byte)'7';
    public const byte TypePaxLocal = (byte)'x';
    public const byte TypePaxGlobal = (byte)'g';
    public const byte TypeGnuLongName = (byte)'L';
    public const byte TypeGnuLongLink = (byte)'K';

    public const string PaxPath = "path";
    public const string PaxLinkPath = "linkpath";
    public const string PaxSize = "size";
    public const string PaxUid = "uid";
    public const string PaxGid = "gid";
    public const string PaxMtime = "mtime";
    public const string PaxUserName = "uname";
    public const string PaxGroupName = "gname";
    public const string PaxXattrPrefix = "SCHILY.xattr.";

    public static ReadOnlySpan<byte> UstarMagic => "ustar\0"u8;

    public static ReadOnlySpan<byte> UstarVersion => "00"u8;

    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static byte TypeFlagOf(TarEntryKind kind) => kind switch
    {
        TarEntryKind.RegularFile => TypeRegular,
        TarEntryKind.HardLink => TypeHardLink,
        TarEntryKind.SymbolicLink => TypeSymlink,
        TarEntryKind.CharacterDevice => TypeCharDevice,
        TarEntryKind.BlockDevice => TypeBlockDevice,
        TarEntryKind.Directory => TypeDirectory,
        TarEntryKind.Fifo => TypeFifo,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static long PaddingFor(long size) => (BlockSize - (size % BlockSize)) % BlockSize;

    public static int Checksum(ReadOnlySpan<byte> block)
    {
        // The checksum field itself counts as eight spaces.
        var sum = 8 * ' ';
        for (var i = 0; i < block.Length; i++)
        {
            if (i < ChecksumOffset || i >= ChecksumOffset + ChecksumLength)
            {
                sum += block[i];
            }
        }

        return sum;
    }

    /// <summary>Some old writers summed signed chars; readers accept either.</summary>
    public static int SignedChecksum(ReadOnlySpan<byte> block)
    {
        var sum = 8 * ' ';
        for (var i = 0; i < block.Length; i++)
        {
            if (i < ChecksumOffset || i >= ChecksumOffset + ChecksumLength)
            {
                sum += (sbyte)block[i];
            }
        }

        return sum;
    }
}
