using BuildFarm.Oci.Tar;
using BuildFarm.Oci.Tests.TestSupport;

namespace BuildFarm.Oci.Tests.Tar;

public sealed class TarArchiveReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<List<(TarHeader Header, string Content)>> ReadAllAsync(string tarPath)
    {
        var result = new List<(TarHeader, string)>();
        await using var reader = new TarArchiveReader(File.OpenRead(tarPath));
        while (await reader.ReadNextAsync() is { } header)
        {
            result.Add((header, await new StreamReader(reader.Content).ReadToEndAsync()));
        }

        return result;
    }

    [Theory]
    [InlineData("gnu")]
    [InlineData("pax")]
    [InlineData("ustar")]
    public async Task Reads_what_GNU_tar_writes_in_each_format(string format)
    {
        var longDirectory = new string('d', 60);
        var longName = new string('f', 90);
        var tree = new TreeBuilder(_dir.CreateDirectory("tree"))
            .Directory(longDirectory, "750", "12:34")
            .File($"{longDirectory}/{longName}", "long", "640", "56:78")
            .Symlink("link", "target")
            .TouchAll(DateTimeOffset.FromUnixTimeSeconds(1_234_567_890));
        var tarPath = _dir.Combine($"{format}.tar");
        Tools.Run("tar", [$"--format={format}", "-cf", tarPath, "-C", tree.Root, "--sort=name", longDirectory, "link"]);

        var entries = await ReadAllAsync(tarPath);

        Assert.Equal(
            [
                $"{longDirectory}/ Directory 750 12:34 1234567890 ",
                $"{longDirectory}/{longName} RegularFile 640 56:78 1234567890 long",
                "link SymbolicLink 777 0:0 1234567890 target",
            ],
            entries.Select(e => $"{e.Header.Name} {e.Header.Kind} {Convert.ToString(e.Header.Mode, 8)} {e.Header.Uid}:{e.Header.Gid} {e.Header.ModificationTime} {(e.Header.Kind == TarEntryKind.SymbolicLink ? e.Header.LinkName : e.Content)}"));
    }

    [Fact]
    public async Task Reads_binary_xattrs_that_GNU_tar_writes()
    {
        var tree = new TreeBuilder(_dir.CreateDirectory("tree")).File("tool", "t");
        Tools.Run("setcap", ["cap_net_bind_service,cap_setfcap=ep", tree.Path("tool")]);
        var expected = Oci.Internal.LibC.GetXattr(tree.Path("tool"), "security.capability");
        var tarPath = _dir.Combine("caps.tar");
        Tools.Run("tar", ["--format=pax", "--xattrs", "--xattrs-include=security.capability", "-cf", tarPath, "-C", tree.Root, "tool"]);

        var entry = Assert.Single(await ReadAllAsync(tarPath));

        Assert.NotNull(expected);
        Assert.Contains(expected, b => b >= 0x80);
        Assert.Equal(expected, entry.Header.Xattrs["security.capability"]);
    }

    [Fact]
    public async Task Content_of_a_previous_entry_cannot_be_read_after_moving_on()
    {
        var tar = await TarTestExtensions.BuildTarAsync(TarTestExtensions.FileEntry("a", "1"), TarTestExtensions.FileEntry("b", "2"));
        await using var reader = new TarArchiveReader(tar);
        await reader.ReadNextAsync();
        var first = reader.Content;
        await reader.ReadNextAsync();

        var e = Assert.Throws<InvalidOperationException>(() => first.ReadByte());
        Assert.Equal("This tar entry's content is no longer readable: the reader has moved to the next entry.", e.Message);
        Assert.Equal('2', reader.Content.ReadByte());
    }

    [Fact]
    public async Task Truncated_archive_names_the_entry_offset()
    {
        var tar = await TarTestExtensions.BuildTarAsync(TarTestExtensions.FileEntry("a", new string('x', 2000)));
        var truncated = new MemoryStream(tar.ToArray()[..1000]);
        await using var reader = new TarArchiveReader(truncated);
        await reader.ReadNextAsync();

        var e = await Assert.ThrowsAsync<InvalidDataException>(async () => await reader.Content.CopyToAsync(Stream.Null));

        Assert.Equal("Tar stream ends inside an entry's content (1512 bytes missing).", e.Message);
    }

    [Fact]
    public async Task Oversized_extended_header_is_refused_without_reading_it()
    {
        var tar = new MemoryStream();
        var block = new byte[512];
        "PaxHeaders.0/x"u8.CopyTo(block);
        "0000644\0"u8.CopyTo(block.AsSpan(100));
        "77777777777\0"u8.CopyTo(block.AsSpan(124)); // 8 GiB of "extended header"
        block[156] = (byte)'x';
        "ustar\000"u8.CopyTo(block.AsSpan(257));
        var sum = block.Select((b, i) => i is >= 148 and < 156 ? (int)' ' : b).Sum();
        System.Text.Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(block, 148);
        tar.Write(block);
        tar.Position = 0;
        await using var reader = new TarArchiveReader(tar);

        var e = await Assert.ThrowsAsync<InvalidDataException>(async () => await reader.ReadNextAsync());

        Assert.Equal("Tar extended header at offset 0 has 8589934591 bytes, more than the 1048576 allowed.", e.Message);
    }

    [Fact]
    public async Task Writer_puts_large_ids_and_long_link_targets_in_PAX_records_that_GNU_tar_reads()
    {
        var target = new string('t', 150);
        var tar = await TarTestExtensions.BuildTarAsync(
            (new TarHeader { Name = "big-ids", Kind = TarEntryKind.RegularFile, Mode = 0b110_100_100, Uid = 3_000_000, Gid = 4_000_000 }, "x"),
            (new TarHeader { Name = "long-link", Kind = TarEntryKind.SymbolicLink, LinkName = target, Mode = 0b111_111_111 }, null));
        var tarPath = _dir.Combine("ids.tar");
        await File.WriteAllBytesAsync(tarPath, tar.ToArray());

        var listing = Tools.Run("tar", ["--numeric-owner", "--utc", "-tvf", tarPath]);

        Assert.Equal(
            $"-rw-r--r-- 3000000/4000000   1 1970-01-01 00:00 big-ids\nlrwxrwxrwx 0/0               0 1970-01-01 00:00 long-link -> {target}\n",
            listing);
    }
}
