using System.Buffers;
using System.Globalization;
using System.Text;
using BuildFarm.Oci.Tar.Internal;

namespace BuildFarm.Oci.Tar;

/// <summary>
/// Reads tar streams as written by Go's archive/tar, GNU tar, bsdtar and this library: ustar and
/// old GNU headers, PAX local and global headers (path, linkpath, size, uid, gid, mtime, uname,
/// gname, <c>SCHILY.xattr.*</c> as raw bytes), GNU long names and long link names. Streams: one
/// entry's content at a time, nothing held whole. Malformed input fails with the offset of the
/// bad header; metadata sizes are bounded so hostile input cannot exhaust memory.
/// </summary>
public sealed class TarArchiveReader : IAsyncDisposable
{
    private const int MaxMetadataEntrySize = 1 << 20;
    private const int InputBufferSize = 1 << 16;

    private readonly Stream _input;
    private readonly bool _leaveOpen;
    private readonly byte[] _block = new byte[TarFormat.BlockSize];
    private readonly Dictionary<string, byte[]> _globalPax = new(StringComparer.Ordinal);
    private EntryContentStream? _current;
    private long _position;
    private bool _ended;

    public TarArchiveReader(Stream input, bool leaveOpen = false)
    {
        _input = new BufferedStream(input, InputBufferSize);
        _leaveOpen = leaveOpen;
    }

    /// <summary>
    /// The next entry, or null at the end of the archive. At the end the rest of the input is read
    /// (and discarded), so that a hashing stream underneath sees every byte.
    /// </summary>
    public async ValueTask<TarHeader?> ReadNextAsync(CancellationToken cancellationToken = default)
    {
        if (_ended)
        {
            return null;
        }

        await SkipCurrentAsync(cancellationToken).ConfigureAwait(false);
        Dictionary<string, byte[]>? pax = null;
        string? longName = null, longLink = null;
        while (true)
        {
            var headerOffset = _position;
            if (!await ReadBlockAsync(cancellationToken).ConfigureAwait(false) || IsZero(_block))
            {
                await DrainAsync(cancellationToken).ConfigureAwait(false);
                if (pax is not null || longName is not null || longLink is not null)
                {
                    throw new InvalidDataException($"Tar header at offset {headerOffset}: an extended header is not followed by an entry.");
                }

                return null;
            }

            VerifyChecksum(headerOffset);
            var type = _block[TarFormat.TypeOffset];
            var size = ParseNumber(_block.AsSpan(TarFormat.SizeOffset, 12), "size", headerOffset);
            switch (type)
            {
                case TarFormat.TypePaxLocal:
                    pax = ParsePax(await ReadMetadataAsync(size, headerOffset, cancellationToken).ConfigureAwait(false), headerOffset);
                    continue;
                case TarFormat.TypePaxGlobal:
                    foreach (var (key, value) in ParsePax(await ReadMetadataAsync(size, headerOffset, cancellationToken).ConfigureAwait(false), headerOffset))
                    {
                        _globalPax[key] = value;
                    }

                    continue;
                case TarFormat.TypeGnuLongName:
                    longName = NulTerminated(await ReadMetadataAsync(size, headerOffset, cancellationToken).ConfigureAwait(false));
                    continue;
                case TarFormat.TypeGnuLongLink:
                    longLink = NulTerminated(await ReadMetadataAsync(size, headerOffset, cancellationToken).ConfigureAwait(false));
                    continue;
            }

            var header = ParseHeader(type, size, headerOffset);
            ApplyPax(header, _globalPax, headerOffset);
            if (pax is not null)
            {
                ApplyPax(header, pax, headerOffset);
            }

            header.Name = longName ?? header.Name;
            header.LinkName = longLink ?? header.LinkName;
            if (header.Name.Length == 0)
            {
                throw new InvalidDataException($"Tar header at offset {headerOffset} has an empty name.");
            }

            var contentSize = header.Kind == TarEntryKind.RegularFile ? header.Size : 0;
            _current = new EntryContentStream(this, contentSize);
            return header;
        }
    }

    /// <summary>The content of the entry last returned by <see cref="ReadNextAsync"/> (empty for non-files).</summary>
    public Stream Content => _current ?? throw new InvalidOperationException("No entry has been read.");

    public async ValueTask DisposeAsync()
    {
        if (!_leaveOpen)
        {
            await _input.DisposeAsync().ConfigureAwait(false);
        }
    }

    private TarHeader ParseHeader(byte type, long size, long offset)
    {
        var block = _block.AsSpan();
        var name = NulTerminated(block.Slice(TarFormat.NameOffset, TarFormat.NameLength));
        var isPosixUstar = block.Slice(TarFormat.MagicOffset, 6).SequenceEqual(TarFormat.UstarMagic);
        if (isPosixUstar)
        {
            var prefix = NulTerminated(block.Slice(TarFormat.PrefixOffset, TarFormat.PrefixLength));
            if (prefix.Length > 0)
            {
                name = prefix + "/" + name;
            }
        }

        var kind = type switch
        {
            TarFormat.TypeRegular or TarFormat.TypeContiguous => TarEntryKind.RegularFile,
            TarFormat.TypeRegularOld => name.EndsWith('/') ? TarEntryKind.Directory : TarEntryKind.RegularFile,
            TarFormat.TypeHardLink => TarEntryKind.HardLink,
            TarFormat.TypeSymlink => TarEntryKind.SymbolicLink,
            TarFormat.TypeCharDevice => TarEntryKind.CharacterDevice,
            TarFormat.TypeBlockDevice => TarEntryKind.BlockDevice,
            TarFormat.TypeDirectory => TarEntryKind.Directory,
            TarFormat.TypeFifo => TarEntryKind.Fifo,
            _ => throw new InvalidDataException($"Tar entry '{name}' at offset {offset} has the unsupported type '{(char)type}'."),
        };

        var header = new TarHeader
        {
            Name = name,
            Kind = kind,
            Mode = (int)(ParseNumber(block.Slice(TarFormat.ModeOffset, 8), "mode", offset) & 0xFFF),
            Uid = ParseNumber(block.Slice(TarFormat.UidOffset, 8), "uid", offset),
            Gid = ParseNumber(block.Slice(TarFormat.GidOffset, 8), "gid", offset),
            Size = size,
            ModificationTime = ParseNumber(block.Slice(TarFormat.MtimeOffset, 12), "mtime", offset),
            LinkName = NulTerminated(block.Slice(TarFormat.LinkNameOffset, TarFormat.LinkNameLength)),
            UserName = NulTerminated(block.Slice(TarFormat.UserNameOffset, TarFormat.UserNameLength)),
            GroupName = NulTerminated(block.Slice(TarFormat.GroupNameOffset, TarFormat.GroupNameLength)),
        };
        if (kind is TarEntryKind.CharacterDevice or TarEntryKind.BlockDevice)
        {
            header.DevMajor = (int)ParseNumber(block.Slice(TarFormat.DevMajorOffset, 8), "devmajor", offset);
            header.DevMinor = (int)ParseNumber(block.Slice(TarFormat.DevMinorOffset, 8), "devminor", offset);
        }

        return header;
    }

    private static void ApplyPax(TarHeader header, Dictionary<string, byte[]> records, long offset)
    {
        foreach (var (key, value) in records)
        {
            switch (key)
            {
                case TarFormat.PaxPath:
                    header.Name = TarFormat.Utf8.GetString(value);
                    break;
                case TarFormat.PaxLinkPath:
                    header.LinkName = TarFormat.Utf8.GetString(value);
                    break;
                case TarFormat.PaxUserName:
                    header.UserName = TarFormat.Utf8.GetString(value);
                    break;
                case TarFormat.PaxGroupName:
                    header.GroupName = TarFormat.Utf8.GetString(value);
                    break;
                case TarFormat.PaxSize:
                    header.Size = ParsePaxInteger(key, value, offset);
                    break;
                case TarFormat.PaxUid:
                    header.Uid = ParsePaxInteger(key, value, offset);
                    break;
                case TarFormat.PaxGid:
                    header.Gid = ParsePaxInteger(key, value, offset);
                    break;
                case TarFormat.PaxMtime:
                    header.ModificationTime = ParsePaxSeconds(value, offset);
                    break;
                default:
                    if (key.StartsWith(TarFormat.PaxXattrPrefix, StringComparison.Ordinal))
                    {
                        header.Xattrs[key[TarFormat.PaxXattrPrefix.Length..]] = value;
                    }
                    else if (key.StartsWith("GNU.sparse.", StringComparison.Ordinal))
                    {
                        throw new InvalidDataException($"Tar entry '{header.Name}' at offset {offset} is a GNU sparse file, which is not supported.");
                    }

                    break;
            }
        }
    }

    private static long ParsePaxInteger(string key, byte[] value, long offset) =>
        long.TryParse(Encoding.ASCII.GetString(value), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new InvalidDataException($"Tar PAX header at offset {offset}: '{key}' is not a number.");

    private static long ParsePaxSeconds(byte[] value, long offset)
    {
        var text = Encoding.ASCII.GetString(value);
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? text : text[..dot];
        if (!long.TryParse(whole, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
        {
            throw new InvalidDataException($"Tar PAX header at offset {offset}: mtime '{text}' is not a time.");
        }

        // A negative time with a fraction lies below its integer part.
        return seconds < 0 && dot >= 0 && text[(dot + 1)..].Any(c => c != '0') ? seconds - 1 : seconds;
    }

    private static Dictionary<string, byte[]> ParsePax(byte[] data, long offset)
    {
        var records = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var span = data.AsSpan();
        while (span.Length > 0 && span[0] != 0)
        {
            var space = span.IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(span[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length <= space + 1 || length > span.Length || span[length - 1] != '\n')
            {
                throw new InvalidDataException($"Tar PAX header at offset {offset} has a malformed record.");
            }

            var record = span[(space + 1)..(length - 1)];
            var equals = record.IndexOf((byte)'=');
            if (equals <= 0)
            {
                throw new InvalidDataException($"Tar PAX header at offset {offset} has a record without '='.");
            }

            records[TarFormat.Utf8.GetString(record[..equals])] = record[(equals + 1)..].ToArray();
            span = span[length..];
        }

        return records;
    }

    private async ValueTask<byte[]> ReadMetadataAsync(long size, long offset, CancellationToken cancellationToken)
    {
        if (size is < 0 or > MaxMetadataEntrySize)
        {
            throw new InvalidDataException($"Tar extended header at offset {offset} has {size} bytes, more than the {MaxMetadataEntrySize} allowed.");
        }

        var data = new byte[size];
        await ReadExactAsync(data, offset, cancellationToken).ConfigureAwait(false);
        await SkipAsync(TarFormat.PaddingFor(size), cancellationToken).ConfigureAwait(false);
        return data;
    }

    private void VerifyChecksum(long offset)
    {
        long stored;
        try
        {
            stored = ParseNumber(_block.AsSpan(TarFormat.ChecksumOffset, TarFormat.ChecksumLength), "checksum", offset);
        }
        catch (InvalidDataException)
        {
            stored = -1;
        }

        if (stored != TarFormat.Checksum(_block) && stored != TarFormat.SignedChecksum(_block))
        {
            throw new InvalidDataException($"Tar header at offset {offset} has a bad checksum: this is not a tar stream, or it is corrupt.");
        }
    }

    private static long ParseNumber(ReadOnlySpan<byte> field, string what, long offset)
    {
        if ((field[0] & 0x80) != 0)
        {
            // GNU base-256: big-endian two's complement; negative values are not meaningful here.
            if ((field[0] & 0x40) != 0)
            {
                throw new InvalidDataException($"Tar header at offset {offset}: {what} is negative.");
            }

            long value = field[0] & 0x3F;
            foreach (var b in field[1..])
            {
                if (value > (long.MaxValue >> 8))
                {
                    throw new InvalidDataException($"Tar header at offset {offset}: {what} is too large.");
                }

                value = (value << 8) | b;
            }

            return value;
        }

        long result = 0;
        var i = 0;
        while (i < field.Length && field[i] is (byte)' ' or 0)
        {
            i++;
        }

        for (; i < field.Length && field[i] is not ((byte)' ' or 0); i++)
        {
            if (field[i] is < (byte)'0' or > (byte)'7' || result > (long.MaxValue >> 3))
            {
                throw new InvalidDataException($"Tar header at offset {offset}: {what} is not an octal number.");
            }

            result = (result << 3) | (uint)(field[i] - '0');
        }

        return result;
    }

    private static string NulTerminated(ReadOnlySpan<byte> bytes)
    {
        var end = bytes.IndexOf((byte)0);
        return TarFormat.Utf8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    private static bool IsZero(ReadOnlySpan<byte> block) => !block.ContainsAnyExcept((byte)0);

    private async ValueTask<bool> ReadBlockAsync(CancellationToken cancellationToken)
    {
        var read = await _input.ReadAtLeastAsync(_block, _block.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        _position += read;
        if (read == 0)
        {
            return false;
        }

        return read == _block.Length
            ? true
            : throw new InvalidDataException($"Tar stream ends inside a header at offset {_position - read}.");
    }

    private async ValueTask ReadExactAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        var read = await _input.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        _position += read;
        if (read < buffer.Length)
        {
            throw new InvalidDataException($"Tar stream ends inside the entry whose header is at offset {offset}.");
        }
    }

    private async ValueTask SkipAsync(long count, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(count, InputBufferSize));
        try
        {
            while (count > 0)
            {
                var chunk = (int)Math.Min(count, buffer.Length);
                await ReadExactAsync(buffer.AsMemory(0, chunk), _position, cancellationToken).ConfigureAwait(false);
                count -= chunk;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask SkipCurrentAsync(CancellationToken cancellationToken)
    {
        if (_current is null)
        {
            return;
        }

        var current = _current;
        _current = null;
        current.Detach();
        await SkipAsync(current.Remaining + TarFormat.PaddingFor(current.Length), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        _ended = true;
        var buffer = ArrayPool<byte>.Shared.Rent(InputBufferSize);
        try
        {
            while (await _input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads exactly one entry's content from the archive; valid until the next entry is read.</summary>
    private sealed class EntryContentStream(TarArchiveReader reader, long length) : Stream
    {
        private TarArchiveReader? _reader = reader;

        public long Remaining { get; private set; } = length;

        public override long Length { get; } = length;

        public void Detach() => _reader = null;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Position { get => Length - Remaining; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var input = Attached();
            if (Remaining == 0 || buffer.Length == 0)
            {
                return 0;
            }

            var read = input._input.Read(buffer[..(int)Math.Min(buffer.Length, Remaining)]);
            return Advance(input, read);
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var input = Attached();
            if (Remaining == 0 || buffer.Length == 0)
            {
                return 0;
            }

            var read = await input._input.ReadAsync(buffer[..(int)Math.Min(buffer.Length, Remaining)], cancellationToken).ConfigureAwait(false);
            return Advance(input, read);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private TarArchiveReader Attached() =>
            _reader ?? throw new InvalidOperationException("This tar entry's content is no longer readable: the reader has moved to the next entry.");

        private int Advance(TarArchiveReader input, int read)
        {
            if (read == 0)
            {
                throw new InvalidDataException($"Tar stream ends inside an entry's content ({Remaining} bytes missing).");
            }

            Remaining -= read;
            input._position += read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
