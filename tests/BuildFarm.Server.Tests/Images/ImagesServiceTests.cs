using System.Text.Json;
using BuildFarm.Api.V1;
using BuildFarm.Client.Builds;
using BuildFarm.Server.Tests.TestSupport;
using BuildFarm.Testing;
using Google.Protobuf;
using Grpc.Core;

namespace BuildFarm.Server.Tests.Images;

/// <summary>A farm holding busybox, shared by the tests of a class; each test uses names of its own.</summary>
public sealed class ImagesFarmFixture : IAsyncLifetime
{
    public RunningFarm Farm { get; private set; } = null!;

    public async Task InitializeAsync() => Farm = await RunningFarm.StartAsync();

    public async Task DisposeAsync() => await Farm.DisposeAsync();
}

/// <summary>The Images service's failures: a status code and the message the CLI prints, each exact.</summary>
public sealed class ImagesServiceErrorTests(ImagesFarmFixture fixture) : IClassFixture<ImagesFarmFixture>
{
    private static readonly string ZeroDigest = "sha256:" + new string('0', 64);

    private FarmClient Client => fixture.Farm.Client;

    [Fact]
    public async Task Unknown_images_are_not_found()
    {
        Assert.Equal((StatusCode.NotFound, "No such image: nothere:latest"), await FailureOf(() => Client.TagImageAsync("nothere", "other")));
        Assert.Equal((StatusCode.NotFound, "No such image: me/nothere:1"), await FailureOf(() => Client.RemoveImageAsync("docker.io/me/nothere:1")));
        Assert.Equal((StatusCode.NotFound, "No such image: nothere:latest"), await FailureOf(() => Client.SaveImagesAsync(["busybox", "nothere"], ImageArchiveFormat.Oci, Stream.Null)));
        Assert.Equal((StatusCode.NotFound, "No such image: nothere:latest"), await FailureOf(() => Client.PushImageAsync(new PushImageRequest { Image = "nothere" }).ToListAsync().AsTask()));
        Assert.Equal(
            (StatusCode.NotFound, "An image does not exist locally with the tag: localhost:5000/nothere"),
            await FailureOf(() => Client.PushImageAsync(new PushImageRequest { Image = "localhost:5000/nothere", AllTags = true }).ToListAsync().AsTask()));
    }

    [Fact]
    public async Task Requests_that_cannot_be_done_are_invalid_arguments()
    {
        Assert.Equal(
            (StatusCode.InvalidArgument, "'Bad:tag' is not a valid image reference: the repository name 'library/Bad' must be lowercase."),
            await FailureOf(() => Client.TagImageAsync("busybox", "Bad:tag")));
        Assert.Equal(
            (StatusCode.InvalidArgument, $"refusing to create a tag with a digest reference: app@{ZeroDigest}"),
            await FailureOf(() => Client.TagImageAsync("busybox", $"app@{ZeroDigest}")));
        Assert.Equal((StatusCode.InvalidArgument, "Save needs at least one image."), await FailureOf(() => Client.SaveImagesAsync([], ImageArchiveFormat.Oci, Stream.Null)));
        Assert.Equal(
            (StatusCode.InvalidArgument, "Cannot save as Unspecified: choose OCI or DOCKER."),
            await FailureOf(() => Client.SaveImagesAsync(["busybox"], ImageArchiveFormat.Unspecified, Stream.Null)));
        Assert.Equal(
            (StatusCode.InvalidArgument, $"cannot push to other@{ZeroDigest}: a push needs a tag, not a digest"),
            await FailureOf(() => Client.PushImageAsync(new PushImageRequest { Image = "busybox", Destination = $"other@{ZeroDigest}" }).ToListAsync().AsTask()));
        Assert.Equal(
            (StatusCode.InvalidArgument, "tag can't be used with --all-tags/-a: busybox:1"),
            await FailureOf(() => Client.PushImageAsync(new PushImageRequest { Image = "busybox:1", AllTags = true }).ToListAsync().AsTask()));
        Assert.Equal(
            (StatusCode.InvalidArgument, "'linux' is not a platform: expected 'os/arch[/variant]'."),
            await FailureOf(() => Client.PullImageAsync("busybox", "linux").ToListAsync().AsTask()));
    }

    [Fact]
    public async Task A_load_is_refused_for_chunks_out_of_order_or_too_large_and_for_what_is_no_image_archive()
    {
        Assert.Equal(
            (StatusCode.InvalidArgument, "chunk 2 of the archive starts at offset 9, expected 5: chunks must arrive in order"),
            await FailureOf(() => LoadChunksAsync(new LoadImagesChunk { ArchiveName = "a.tar", Data = ByteString.CopyFrom(new byte[5]) }, new LoadImagesChunk { Offset = 9, Data = ByteString.CopyFrom(new byte[5]) })));
        Assert.Equal(
            (StatusCode.InvalidArgument, "chunk 1 of the archive has 65537 bytes, more than the 65536 allowed"),
            await FailureOf(() => LoadChunksAsync(new LoadImagesChunk { ArchiveName = "a.tar", Data = ByteString.CopyFrom(new byte[65537]) })));
        using var garbage = new MemoryStream([.. Enumerable.Range(0, 100_000).Select(static i => (byte)(i * 7 + 3))]);
        Assert.Equal(
            (StatusCode.InvalidArgument, "garbage.tar is not a valid image archive: Tar header at offset 0 has a bad checksum: this is not a tar stream, or it is corrupt."),
            await FailureOf(() => Client.LoadImagesAsync(garbage, "garbage.tar")));
        Assert.Empty(Directory.GetFiles(Path.Combine(fixture.Farm.DataDirectory, "tmp")));
    }

    [Fact]
    public async Task Removing_by_ID_an_image_with_two_names_needs_force()
    {
        await Client.TagImageAsync("busybox", "conflict/app:1");
        var id = (await Client.ListImagesAsync()).First(i => i.Name == RunningFarm.BusyboxName).Id;

        var refused = await FailureOf(() => Client.RemoveImageAsync(id["sha256:".Length..][..12]));
        await Client.RemoveImageAsync("conflict/app:1");

        Assert.Equal((StatusCode.FailedPrecondition, $"conflict: unable to delete {id["sha256:".Length..][..12]} (must be forced) - image is referenced in multiple repositories"), refused);
    }

    [Fact]
    public async Task A_registry_failure_keeps_the_registry_s_message_and_maps_its_status()
    {
        await using var registry = await RegistryServer.StartAsync();

        var missing = await FailureOf(() => Client.PullImageAsync($"{registry.Host}/missing/app:v9").ToListAsync().AsTask());

        Assert.Equal((StatusCode.NotFound, $"GET http://{registry.Host}/v2/missing/app/manifests/v9: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown"), missing);
    }

    private static async Task<(StatusCode, string)> FailureOf(Func<Task> call)
    {
        var failure = await Assert.ThrowsAsync<RpcException>(call);
        return (failure.StatusCode, failure.Status.Detail);
    }

    private async Task LoadChunksAsync(params LoadImagesChunk[] chunks)
    {
        using var call = Client.Images.Load();
        foreach (var chunk in chunks)
        {
            await call.RequestStream.WriteAsync(chunk);
        }

        await call.RequestStream.CompleteAsync();
        await call.ResponseAsync;
    }
}

/// <summary>The Images service through the client library: list, save, remove and load back, on a farm of its own.</summary>
public sealed class ImagesServiceTests
{
    [Fact]
    public async Task A_saved_image_removed_and_loaded_back_is_listed_as_before()
    {
        await using var farm = await RunningFarm.StartAsync();
        var busybox = await BusyboxImage.GetAsync();
        var (configDigest, layerSize, created) = ReadBusyboxFacts(busybox);
        var archive = Path.Combine(farm.DataDirectory, "..", "busybox.tar");

        var listed = Assert.Single(await farm.Client.ListImagesAsync());
        await using (var file = File.Create(archive))
        {
            await farm.Client.SaveImagesAsync(["busybox"], ImageArchiveFormat.Oci, file);
        }

        var removed = await farm.Client.RemoveImageAsync("busybox");
        var afterRemoval = await farm.Client.ListImagesAsync();
        IReadOnlyList<LoadedImage> loaded;
        await using (var file = File.OpenRead(archive))
        {
            loaded = await farm.Client.LoadImagesAsync(file, "busybox.tar");
        }

        var expected = new Image
        {
            Name = RunningFarm.BusyboxName,
            TargetDigest = busybox.ManifestDigest,
            TargetMediaType = "application/vnd.oci.image.manifest.v1+json",
            Id = configDigest,
            Created = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(created),
            Size = layerSize,
        };
        Assert.Equal(expected, listed);
        Assert.Equal(busybox.ManifestDigest, await Skopeo.InspectDigestAsync($"oci-archive:{archive}:busybox:latest"));
        Assert.Equal([new RemovedImage { Untagged = RunningFarm.BusyboxName }], removed);
        Assert.Empty(afterRemoval);
        Assert.Equal([new LoadedImage { Names = { RunningFarm.BusyboxName }, Id = configDigest, TargetDigest = busybox.ManifestDigest }], loaded);
        Assert.Equal([expected], await farm.Client.ListImagesAsync());
    }

    private static (string ConfigDigest, long LayerSize, DateTimeOffset Created) ReadBusyboxFacts(BusyboxImage busybox)
    {
        string Blob(string digest) => Path.Combine(busybox.LayoutDirectory, "blobs", "sha256", digest["sha256:".Length..]);
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Blob(busybox.ManifestDigest)));
        var configDigest = manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!;
        using var config = JsonDocument.Parse(File.ReadAllBytes(Blob(configDigest)));
        return (configDigest, manifest.RootElement.GetProperty("layers")[0].GetProperty("size").GetInt64(), config.RootElement.GetProperty("created").GetDateTimeOffset());
    }
}
