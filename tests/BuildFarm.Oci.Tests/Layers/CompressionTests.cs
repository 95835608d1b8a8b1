using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Tests.TestSupport;

namespace BuildFarm.Oci.Tests.Layers;

public class CompressionTests
{
    /// <summary>9 MiB of half-compressible data: more than two zstd chunks and several gzip chunks.</summary>
    private static byte[] SampleData()
    {
        var data = new byte[9 << 20];
        new Random(42).NextBytes(data.AsSpan(0, data.Length / 2));
        for (var i = data.Length / 2; i < data.Length; i++)
        {
            data[i] = (byte)"layer digest "[i % 13];
        }

        return data;
    }

    private static async Task<byte[]> CompressAsync(byte[] data, LayerCompression compression, Func<int> nextWriteSize)
    {
        var output = new MemoryStream();
        await using (var compressor = LayerCompressionStreams.Compress(output, compression, leaveOpen: true))
        {
            for (var offset = 0; offset < data.Length;)
            {
                var count = Math.Min(nextWriteSize(), data.Length - offset);
                await compressor.WriteAsync(data.AsMemory(offset, count));
                await compressor.FlushAsync();
                offset += count;
            }
        }

        return output.ToArray();
    }

    [Theory]
    [InlineData(LayerCompression.Gzip)]
    [InlineData(LayerCompression.Zstd)]
    public async Task Output_does_not_depend_on_how_the_writes_were_cut(LayerCompression compression)
    {
        var data = SampleData();
        var random = new Random(7);

        var whole = await CompressAsync(data, compression, () => int.MaxValue);
        var pieces = await CompressAsync(data, compression, () => random.Next(1, 300_000));

        Assert.Equal(Digest.Sha256(whole), Digest.Sha256(pieces));
    }

    [Theory]
    [InlineData(LayerCompression.Gzip, "gzip")]
    [InlineData(LayerCompression.Zstd, "zstd")]
    public async Task Multi_chunk_output_decompresses_with_the_tool_and_with_our_reader(LayerCompression compression, string tool)
    {
        var data = SampleData();
        var compressed = await CompressAsync(data, compression, () => 1 << 16);
        using var dir = new TempDirectory();
        var path = dir.Combine("blob");
        await File.WriteAllBytesAsync(path, compressed);

        Assert.Equal($"{Digest.Sha256(data).Hex}  -\n", Tools.Shell($"{tool} -dc '{path}' | sha256sum"));
        await using var reader = await LayerCompressionStreams.DecompressDetectedAsync(new MemoryStream(compressed));
        var roundTrip = new MemoryStream();
        await reader.CopyToAsync(roundTrip);
        Assert.Equal(Digest.Sha256(data), Digest.Sha256(roundTrip.ToArray()));
    }

    [Fact]
    public async Task Empty_zstd_input_is_one_empty_frame()
    {
        var compressed = await CompressAsync([], LayerCompression.Zstd, () => 1);

        Assert.Equal([0x28, 0xB5, 0x2F, 0xFD], compressed[..4]);
        await using var reader = LayerCompressionStreams.Decompress(new MemoryStream(compressed), LayerCompression.Zstd);
        Assert.Equal(-1, reader.ReadByte());
    }

    [Theory]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08 }, LayerCompression.Gzip)]
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD }, LayerCompression.Zstd)]
    [InlineData(new byte[] { (byte)'b', (byte)'i', (byte)'n' }, LayerCompression.None)]
    [InlineData(new byte[0], LayerCompression.None)]
    public void Compression_is_detected_by_magic(byte[] start, LayerCompression expected) =>
        Assert.Equal(expected, LayerCompressionStreams.Detect(start));
}
