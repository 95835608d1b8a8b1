using BuildFarm.Oci.Tar;

namespace BuildFarm.Oci.Tests.TestSupport;

public static class TarTestExtensions
{
    /// <summary>Every header of an uncompressed tar, read with the library's reader.</summary>
    public static async Task<List<TarHeader>> ReadHeadersAsync(Stream tar)
    {
        var headers = new List<TarHeader>();
        await using var reader = new TarArchiveReader(tar, leaveOpen: true);
        while (await reader.ReadNextAsync() is { } header)
        {
            headers.Add(header);
        }

        return headers;
    }

    /// <summary>Builds a tar in memory (hostile and hand-made layers for tests).</summary>
    public static async Task<MemoryStream> BuildTarAsync(params (TarHeader Header, string? Content)[] entries)
    {
        var output = new MemoryStream();
        await using (var writer = new TarArchiveWriter(output, leaveOpen: true))
        {
            foreach (var (header, content) in entries)
            {
                if (content is null)
                {
                    await writer.WriteEntryAsync(header);
                    continue;
                }

                var bytes = System.Text.Encoding.UTF8.GetBytes(content);
                header.Size = bytes.Length;
                await writer.WriteEntryAsync(header, new MemoryStream(bytes));
            }
        }

        output.Position = 0;
        return output;
    }

    public static (TarHeader, string?) FileEntry(string name, string content, int mode = 0b110_100_100) =>
        (new TarHeader { Name = name, Kind = TarEntryKind.RegularFile, Mode = mode }, content);

    public static (TarHeader, string?) DirEntry(string name, int mode = 0b111_101_101) =>
        (new TarHeader { Name = name, Kind = TarEntryKind.Directory, Mode = mode }, null);

    public static (TarHeader, string?) SymlinkEntry(string name, string target) =>
        (new TarHeader { Name = name, Kind = TarEntryKind.SymbolicLink, LinkName = target, Mode = 0b111_111_111 }, null);

    public static (TarHeader, string?) HardLinkEntry(string name, string target) =>
        (new TarHeader { Name = name, Kind = TarEntryKind.HardLink, LinkName = target }, null);
}
