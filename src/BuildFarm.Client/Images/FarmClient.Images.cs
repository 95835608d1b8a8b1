using BuildFarm.Api.V1;
using Google.Protobuf;
using Grpc.Core;

namespace BuildFarm.Client.Builds;

/// <summary>The farm's images, as the <c>buildfarm.v1.Images</c> service has them (see images.proto for each rpc's errors).</summary>
public sealed partial class FarmClient
{
    /// <summary>The largest chunk the farm accepts in a load: 64 KiB keeps buffers off the large object heap.</summary>
    public const int ArchiveChunkBytes = 64 * 1024;

    /// <summary>One entry per image name, and one per image kept without a name.</summary>
    public async Task<IReadOnlyList<Image>> ListImagesAsync(CancellationToken cancellationToken = default) =>
        (await Images.ListAsync(new ListImagesRequest(), cancellationToken: cancellationToken).ConfigureAwait(false)).Images;

    /// <summary>Sends an OCI or docker archive, read from <paramref name="archive"/> as it goes, and returns the images it held.</summary>
    /// <param name="archiveName">How the farm's errors name the archive (a path, "stdin").</param>
    public async Task<IReadOnlyList<LoadedImage>> LoadImagesAsync(Stream archive, string archiveName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        using var call = Images.Load(cancellationToken: cancellationToken);
        var buffer = new byte[ArchiveChunkBytes];
        long offset = 0;
        var first = true;
        while (true)
        {
            var read = await archive.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read == 0 && !first)
            {
                break;
            }

            var chunk = new LoadImagesChunk { ArchiveName = first ? archiveName : "", Offset = offset, Data = ByteString.CopyFrom(buffer, 0, read) };
            await call.RequestStream.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
            offset += read;
            first = false;
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return (await call.ResponseAsync.ConfigureAwait(false)).Images;
    }

    /// <summary>Writes images (by name or ID) to <paramref name="destination"/> as one archive, as its chunks arrive.</summary>
    public async Task SaveImagesAsync(IEnumerable<string> images, ImageArchiveFormat format, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var request = new SaveImagesRequest { Format = format };
        request.Images.AddRange(images);
        using var call = Images.Save(request, cancellationToken: cancellationToken);
        await CopyChunksAsync(call.ResponseStream, destination, "The saved archive", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Names the image <paramref name="source"/> (a name or ID) <paramref name="target"/> too.</summary>
    public async Task TagImageAsync(string source, string target, CancellationToken cancellationToken = default) =>
        await Images.TagAsync(new TagImageRequest { Source = source, Target = target }, cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>Removes an image (a name or ID) as <c>docker rmi</c> does and returns what went.</summary>
    public async Task<IReadOnlyList<RemovedImage>> RemoveImageAsync(string image, bool force = false, CancellationToken cancellationToken = default) =>
        (await Images.RemoveAsync(new RemoveImageRequest { Image = image, Force = force }, cancellationToken: cancellationToken).ConfigureAwait(false)).Removed;

    /// <summary>Pulls an image on the farm, with the farm's registry settings, yielding what happens.</summary>
    /// <param name="platform">The platform to take from a multi-platform image (<c>os/arch</c>); null for the farm's default.</param>
    public IAsyncEnumerable<PullProgress> PullImageAsync(string image, string? platform = null, CancellationToken cancellationToken = default) =>
        ReadAllAsync(Images.Pull(new PullImageRequest { Image = image, Platform = platform ?? "" }, cancellationToken: cancellationToken), cancellationToken);

    /// <summary>Pushes an image, or every tag of a repository, from the farm with the farm's registry settings, yielding what happens.</summary>
    public IAsyncEnumerable<PushProgress> PushImageAsync(PushImageRequest request, CancellationToken cancellationToken = default) =>
        ReadAllAsync(Images.Push(request, cancellationToken: cancellationToken), cancellationToken);
}
