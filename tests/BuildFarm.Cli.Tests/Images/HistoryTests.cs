using System.Formats.Tar;
using System.IO.Compression;
using BuildFarm.Cli.Tests.TestSupport;

namespace BuildFarm.Cli.Tests.Images;

/// <summary><c>farm history</c> of an image the farm built: sizes, instructions, and the bytes that later layers waste.</summary>
public sealed class HistoryTests : IAsyncLifetime
{
    private readonly FarmSession _farm = new();
    private Busybox _busybox = null!;
    private string _imageId = null!;

    public async Task InitializeAsync()
    {
        _busybox = await _farm.LoadBusyboxAsync();
        var context = _farm.Combine("context");
        Directory.CreateDirectory(context);
        File.WriteAllText(Path.Combine(context, "note.txt"), "hello\n");
        File.WriteAllText(Path.Combine(context, "Dockerfile"), """
            FROM busybox
            RUN head -c 3000 /dev/zero > /big && head -c 500 /dev/zero > /keep
            RUN rm /big
            COPY note.txt /note.txt
            ENV MODE=test
            """);
        // Quiet progress prints the image ID and nothing else.
        _imageId = (await _farm.RunCheckedAsync("build", "-t", "wasteful", "--progress", "quiet", context)).Trim();
    }

    public Task DisposeAsync()
    {
        _farm.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Shows_each_step_newest_first_with_the_bytes_later_layers_delete()
    {
        var output = await _farm.RunCheckedAsync("history", "wasteful");

        // The image ID heads the list; the busybox row's size is its layer's files, read here with .NET's own tar reader.
        var id = _imageId["sha256:".Length..][..12];
        var busyboxSize = $"{await BusyboxFilesBytesAsync() / 1e6:0.00}MB";
        Assert.Equal(
            $"""
            IMAGE          CREATED        CREATED BY                                      SIZE      WASTED    COMMENT
            {id}   56 years ago   ENV MODE=test                                   0B        0B        buildkit.dockerfile.v0
            <missing>      56 years ago   COPY note.txt /note.txt # buildkit              6B        0B        buildkit.dockerfile.v0
            <missing>      56 years ago   RUN /bin/sh -c rm /big # buildkit               0B        0B        buildkit.dockerfile.v0
            <missing>      56 years ago   RUN /bin/sh -c head -c 3000 /dev/zero > /big…   3.5kB     3kB       buildkit.dockerfile.v0
            <missing>      56 years ago   deploy/base-images/busybox.sh: BusyBox v1.35…   {busyboxSize,-10}0B        
            Wasted: 3kB in files that later layers delete or overwrite

            """,
            output);
    }

    [Fact]
    public async Task No_trunc_shows_the_full_image_id_and_instructions()
    {
        var output = await _farm.RunCheckedAsync("history", "--no-trunc", "wasteful");

        Assert.Contains(" RUN /bin/sh -c head -c 3000 /dev/zero > /big && head -c 500 /dev/zero > /keep # buildkit ", output, StringComparison.Ordinal);
        Assert.StartsWith("IMAGE", output, StringComparison.Ordinal);
        Assert.Contains($"\n{_imageId}   ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_image_is_an_error()
    {
        var result = await _farm.RunAsync("history", "nothere");

        Assert.Equal((1, "", "Error: No such image: nothere:latest\n"), (result.ExitCode, result.Output, result.Error));
    }

    private async Task<long> BusyboxFilesBytesAsync()
    {
        var layer = Path.Combine(_busybox.Image.LayoutDirectory, "blobs", "sha256", _busybox.LayerDigest["sha256:".Length..]);
        await using var gzip = new GZipStream(File.OpenRead(layer), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        var bytes = 0L;
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            bytes += entry.Length;
        }

        return bytes;
    }
}
