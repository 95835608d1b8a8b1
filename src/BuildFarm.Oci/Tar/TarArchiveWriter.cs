using System.Buffers;
using System.Globalization;
using System.Text;
using BuildFarm.Oci.Tar.Internal;

namespace BuildFarm.Oci.Tar;

/// <summary>
/// Writes a tar stream reproducibly: ustar headers, and a PAX extended header (with sorted records
/// and a fixed name) only for what ustar cannot hold: long or non-ASCII names, large numbers,
/// extended attributes. The same headers and contents always give the same bytes.
/// </summary>
public sealed class TarArchiveWriter : IAsyncDisposable
{
    private const int CopyBufferSize = 1 << 20;

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly byte[] _block = new byte[TarFormat.BlockSize];
    private bool _finished;

    public TarArchiveWriter(Stream output, bool leaveOpen = false)
    {
        _output = output;
        _leaveOpen = leaveOpen;
    }

    /// <summary>
    /// Writes one entry. A regular file's <paramref name="content"/> must yield exactly
    /// <see cref="TarHeader.Size"/> bytes; other kinds have no content.
    /// </summary>
    public async ValueTask WriteEntryAsync(TarHeader header, Stream? content = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        var size = header.Kind == TarEntryKind.RegularFile ? header.Size : 0;
        if (size < 0)
        {
            throw new ArgumentException($"Tar entry '{header.Name}' has a negative size.", nameof(header));
        }

        if (size > 0 && content is null)
        {
            throw new ArgumentException($"Tar entry '{header.Name}' has {size} bytes of content but no content stream.", nameof(content));
        }

        var pax = PaxRecordsFor(header, size);
        if (pax.Count > 0)
        {
            var records = EncodePaxRecords(pax);
            WriteBlock(PaxHeaderName(header.Name), TarFormat.TypePaxLocal, mode: 0b110_100_100, uid: 0, gid: 0, size: records.Length, mtime: 0, linkName: "", userName: "", groupName: "", devMajor: 0, devMinor: 0);
            await _output.WriteAsync(_block, cancellationToken).ConfigureAwait(false);
            await _output.WriteAsync(records, cancellationToken).ConfigureAwait(false);
            await WritePaddingAsync(records.Length, cancellationToken).ConfigureAwait(false);
        }

        WriteBlock(header.Name, TarFormat.TypeFlagOf(header.Kind), header.Mode & 0xFFF, header.Uid, header.Gid, size, header.ModificationTime, header.LinkName, header.UserName, header.GroupName, header.DevMajor, header.DevMinor);
        await _output.WriteAsync(_block, cancellationToken).ConfigureAwait(false);
        if (size > 0)
        {
            await CopyExactlyAsync(header.Name, content!, size, cancellationToken).ConfigureAwait(false);
            await WritePaddingAsync(size, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes the end-of-archive marker (two zero blocks). No further entries can follow.</summary>
    public async ValueTask FinishAsync(CancellationToken cancellationToken = default)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        Array.Clear(_block);
        await _output.WriteAsync(_block, cancellationToken).ConfigureAwait(false);
        await _output.WriteAsync(_block, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await FinishAsync().ConfigureAwait(false);
        if (!_leaveOpen)
        {
            await _output.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask CopyExactlyAsync(string name, Stream content, long size, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(CopyBufferSize, size));
        try
        {
            var remaining = size;
            while (remaining > 0)
            {
                var read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"Tar entry '{name}': the content ended after {size - remaining} of {size} bytes (did the file change while it was archived?).");
                }

                await _output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                remaining -= read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private ValueTask WritePaddingAsync(long size, CancellationToken cancellationToken)
    {
        var padding = (int)TarFormat.PaddingFor(size);
        if (padding == 0)
        {
            return ValueTask.CompletedTask;
        }

        Array.Clear(_block);
        return _output.WriteAsync(_block.AsMemory(0, padding), cancellationToken);
    }

    private static SortedDictionary<string, byte[]> PaxRecordsFor(TarHeader header, long size)
    {
        var records = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        void AddIfNeeded(string key, string value, int fieldLength)
        {
            if (!FitsUstarString(value, fieldLength))
            {
                records[key] = TarFormat.Utf8.GetBytes(value);
            }
        }

        void AddNumberIfNeeded(string key, long value, long max)
        {
            if (value < 0 || value > max)
            {
                records[key] = Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));
            }
        }

        AddIfNeeded(TarFormat.PaxPath, header.Name, TarFormat.NameLength);
        AddIfNeeded(TarFormat.PaxLinkPath, header.LinkName, TarFormat.LinkNameLength);
        AddIfNeeded(TarFormat.PaxUserName, header.UserName, TarFormat.UserNameLength);
        AddIfNeeded(TarFormat.PaxGroupName, header.GroupName, TarFormat.GroupNameLength);
        AddNumberIfNeeded(TarFormat.PaxUid, header.Uid, TarFormat.MaxSmallOctal);
        AddNumberIfNeeded(TarFormat.PaxGid, header.Gid, TarFormat.MaxSmallOctal);
        AddNumberIfNeeded(TarFormat.PaxSize, size, TarFormat.MaxLargeOctal);
        AddNumberIfNeeded(TarFormat.PaxMtime, header.ModificationTime, TarFormat.MaxLargeOctal);
        foreach (var (name, value) in header.Xattrs)
        {
            records[TarFormat.PaxXattrPrefix + name] = value;
        }

        if (header.DevMajor is < 0 or > (int)TarFormat.MaxSmallOctal || header.DevMinor is < 0 or > (int)TarFormat.MaxSmallOctal)
        {
            throw new ArgumentException($"Tar entry '{header.Name}': device numbers {header.DevMajor},{header.DevMinor} do not fit a tar header.", nameof(header));
        }

        return records;
    }

    private static bool FitsUstarString(string value, int fieldLength) =>
        value.Length <= fieldLength && Ascii.IsValid(value) && !value.Contains('\0', StringComparison.Ordinal);

    private static byte[] EncodePaxRecords(SortedDictionary<string, byte[]> records)
    {
        using var buffer = new MemoryStream();
        foreach (var (key, value) in records)
        {
            // "<length> <key>=<value>\n", where length counts its own digits too.
            var keyBytes = TarFormat.Utf8.GetBytes(key);
            var rest = 1 + keyBytes.Length + 1 + value.Length + 1;
            var length = rest + 1;
            while (length.ToString(CultureInfo.InvariantCulture).Length + rest != length)
            {
                length = length.ToString(CultureInfo.InvariantCulture).Length + rest;
            }

            buffer.Write(Encoding.ASCII.GetBytes(length.ToString(CultureInfo.InvariantCulture)));
            buffer.WriteByte((byte)' ');
            buffer.Write(keyBytes);
            buffer.WriteByte((byte)'=');
            buffer.Write(value);
            buffer.WriteByte((byte)'\n');
        }

        return buffer.ToArray();
    }

    /// <summary>A fixed name (as Go's archive/tar uses), so the PAX header does not vary between runs.</summary>
    private static string PaxHeaderName(string name)
    {
        var trimmed = name.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? $"PaxHeaders.0/{trimmed}" : $"{trimmed[..slash]}/PaxHeaders.0/{trimmed[(slash + 1)..]}";
    }

    private void WriteBlock(string name, byte type, int mode, long uid, long gid, long size, long mtime, string linkName, string userName, string groupName, int devMajor, int devMinor)
    {
        var block = _block.AsSpan();
        block.Clear();
        WriteString(block.Slice(TarFormat.NameOffset, TarFormat.NameLength), name);
        WriteOctal(block.Slice(TarFormat.ModeOffset, 8), mode);
        WriteOctal(block.Slice(TarFormat.UidOffset, 8), uid);
        WriteOctal(block.Slice(TarFormat.GidOffset, 8), gid);
        WriteOctal(block.Slice(TarFormat.SizeOffset, 12), size);
        WriteOctal(block.Slice(TarFormat.MtimeOffset, 12), mtime);
        block[TarFormat.TypeOffset] = type;
        WriteString(block.Slice(TarFormat.LinkNameOffset, TarFormat.LinkNameLength), linkName);
        TarFormat.UstarMagic.CopyTo(block[TarFormat.MagicOffset..]);
        TarFormat.UstarVersion.CopyTo(block[(TarFormat.MagicOffset + 6)..]);
        WriteString(block.Slice(TarFormat.UserNameOffset, TarFormat.UserNameLength), userName);
        WriteString(block.Slice(TarFormat.GroupNameOffset, TarFormat.GroupNameLength), groupName);
        if (type is TarFormat.TypeCharDevice or TarFormat.TypeBlockDevice)
        {
            WriteOctal(block.Slice(TarFormat.DevMajorOffset, 8), devMajor);
            WriteOctal(block.Slice(TarFormat.DevMinorOffset, 8), devMinor);
        }

        // Six octal digits, NUL, space: the form every tar reader accepts.
        var checksum = TarFormat.Checksum(block);
        WriteOctal(block.Slice(TarFormat.ChecksumOffset, 7), checksum);
        block[TarFormat.ChecksumOffset + 7] = (byte)' ';
    }

    /// <summary>Writes the field's prefix that fits; the full value is then in a PAX record.</summary>
    private static void WriteString(Span<byte> field, string value)
    {
        if (value.Length == 0)
        {
            return;
        }

        var bytes = TarFormat.Utf8.GetBytes(value);
        bytes.AsSpan(0, Math.Min(bytes.Length, field.Length)).CopyTo(field);
    }

    /// <summary>Zero-padded octal digits and a NUL; a value that does not fit is written as 0 (a PAX record carries it).</summary>
    private static void WriteOctal(Span<byte> field, long value)
    {
        var digits = field.Length - 1;
        if (value < 0 || value >= 1L << (3 * digits))
        {
            value = 0;
        }

        for (var i = digits - 1; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }

        field[digits] = 0;
    }
}
