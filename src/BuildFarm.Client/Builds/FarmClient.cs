using System.Runtime.CompilerServices;
using BuildFarm.Api.V1;
using BuildFarm.Client.Context;
using BuildFarm.Client.Context.Internal;
using Grpc.Core;
using Grpc.Net.Client;

namespace BuildFarm.Client.Builds;

/// <summary>
/// Drives a farm over gRPC: uploads a context by content, submits builds and follows their
/// events, reattaches, cancels and exports; manages the farm's images (FarmClient.Images.cs)
/// and reports and prunes its storage (FarmClient.Storage.cs).
/// What the <c>farm</c> CLI is built on.
/// </summary>
public sealed partial class FarmClient : IDisposable
{
    private readonly GrpcChannel? _ownedChannel;

    public FarmClient(ChannelBase channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        Builds = new Api.V1.Builds.BuildsClient(channel);
        Content = new Api.V1.Content.ContentClient(channel);
        Images = new Api.V1.Images.ImagesClient(channel);
        Storage = new Api.V1.Storage.StorageClient(channel);
        SshAgents = new Api.V1.SshAgents.SshAgentsClient(channel);
    }

    private FarmClient(GrpcChannel channel)
        : this((ChannelBase)channel) => _ownedChannel = channel;

    public Api.V1.Builds.BuildsClient Builds { get; }

    public Api.V1.Content.ContentClient Content { get; }

    public Api.V1.Images.ImagesClient Images { get; }

    public Api.V1.Storage.StorageClient Storage { get; }

    public Api.V1.SshAgents.SshAgentsClient SshAgents { get; }

    /// <summary>Opens a forwarding session for the local agents at <paramref name="sockets"/> (id to socket path), for a build to name.</summary>
    public Task<SshAgentForwarding> ForwardSshAgentsAsync(IReadOnlyDictionary<string, string> sockets, CancellationToken cancellationToken = default) =>
        SshAgentForwarding.OpenAsync(SshAgents, sockets, cancellationToken);

    /// <summary>A client of the farm at <paramref name="address"/> (<c>http://host:port</c>, plain-text HTTP/2).</summary>
    public static FarmClient Connect(Uri address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return new FarmClient(CreateChannel(address));
    }

    // A stream's receive window starts at 4 MiB, not HTTP/2's 64 KiB: every farm command opens a
    // new connection, and an export's first megabytes would otherwise wait for the window to
    // grow, a round trip per 64 KiB.
    private static GrpcChannel CreateChannel(Uri address) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 16 * 1024 * 1024,
            HttpHandler = new SocketsHttpHandler { InitialHttp2StreamWindowSize = 4 * 1024 * 1024, EnableMultipleHttp2Connections = true },
            DisposeHttpClient = true,
        });

    /// <summary>Snapshots a context (<c>.dockerignore</c> applied, only what the Dockerfile reads where that is known) and uploads what the farm lacks.</summary>
    public async Task<(ContextSnapshot Snapshot, ContextUploadResult Upload)> UploadContextAsync(ContextSnapshotOptions options, CancellationToken cancellationToken = default)
    {
        var snapshot = await SnapshotContextAsync(await WithBaseImagesAsync(options, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return (snapshot, await UploadAsync(snapshot, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// <paramref name="options"/> with the farm's configs of the Dockerfile's base images, so that
    /// a snapshot sends what their ONBUILD triggers read too (one call, however many stages). The
    /// farm pulls the images it lacks, as the build would.
    /// </summary>
    public Task<ContextSnapshotOptions> WithBaseImagesAsync(ContextSnapshotOptions options, CancellationToken cancellationToken = default) =>
        WithBaseImagesAsync(options, pull: false, cancellationToken);

    /// <inheritdoc cref="WithBaseImagesAsync(ContextSnapshotOptions, CancellationToken)"/>
    /// <param name="options">The snapshot's options.</param>
    /// <param name="pull">The build asks for <c>--pull</c>: the farm pulls images named by tag again first, for the configs the build will see.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<ContextSnapshotOptions> WithBaseImagesAsync(ContextSnapshotOptions options, bool pull, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var request = new BaseImageConfigsRequest { Pull = pull };
        request.Images.AddRange(PathSelection.BaseImagesOf(options).Select(static image => new BaseImageRef { Image = image.Image, Platform = image.Platform }));
        var response = request.Images.Count == 0
            ? new BaseImageConfigsResponse()
            : await Images.BaseImageConfigsAsync(request, cancellationToken: cancellationToken).ConfigureAwait(false);
        return options with { BaseImages = new FarmBaseImages(response) };
    }

    /// <summary>The first half of <see cref="UploadContextAsync"/> (after <see cref="WithBaseImagesAsync"/>): walks the context off the caller's thread.</summary>
    public static Task<ContextSnapshot> SnapshotContextAsync(ContextSnapshotOptions options, CancellationToken cancellationToken = default) =>
        Task.Run(() => ContextSnapshot.Take(options, cancellationToken), cancellationToken);

    /// <summary>The second half of <see cref="UploadContextAsync"/>: sends what the farm lacks of a snapshot.</summary>
    public Task<ContextUploadResult> UploadAsync(ContextSnapshot snapshot, CancellationToken cancellationToken = default) =>
        new ContextUploader(Content).UploadAsync(snapshot, cancellationToken);

    /// <summary>Submits a build and yields its events until it ends.</summary>
    public IAsyncEnumerable<BuildEvent> SubmitAsync(SubmitRequest request, CancellationToken cancellationToken = default) =>
        ReadAllAsync(Builds.Submit(request, cancellationToken: cancellationToken), cancellationToken);

    /// <summary>Yields a build's events from <paramref name="fromSequence"/> (1 for all) until it ends.</summary>
    public IAsyncEnumerable<BuildEvent> WatchAsync(string buildId, ulong fromSequence = 1, CancellationToken cancellationToken = default) =>
        ReadAllAsync(Builds.Watch(new WatchRequest { BuildId = buildId, FromSequence = fromSequence }, cancellationToken: cancellationToken), cancellationToken);

    public async Task<BuildState> CancelAsync(string buildId, CancellationToken cancellationToken = default) =>
        (await Builds.CancelAsync(new CancelRequest { BuildId = buildId }, cancellationToken: cancellationToken).ConfigureAwait(false)).State;

    /// <summary>Writes a finished build's image to <paramref name="destination"/> as an archive of <paramref name="format"/>.</summary>
    public async Task ExportAsync(string buildId, OutputType format, IEnumerable<string> names, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var request = new ExportRequest { BuildId = buildId, Format = format };
        request.Names.AddRange(names);
        using var call = Builds.Export(request, cancellationToken: cancellationToken);
        await CopyChunksAsync(call.ResponseStream, destination, $"The export of build {buildId}", cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _ownedChannel?.Dispose();

    /// <summary>Writes an archive's chunks to <paramref name="destination"/> as they arrive, checking that none is missing.</summary>
    private static async Task CopyChunksAsync(IAsyncStreamReader<ExportChunk> chunks, Stream destination, string what, CancellationToken cancellationToken)
    {
        long expected = 0;
        await foreach (var chunk in chunks.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (chunk.Offset != expected)
            {
                throw new IOException($"{what} skipped from byte {expected} to {chunk.Offset}.");
            }

            await destination.WriteAsync(chunk.Data.Memory, cancellationToken).ConfigureAwait(false);
            expected += chunk.Data.Length;
        }
    }

    private static async IAsyncEnumerable<T> ReadAllAsync<T>(AsyncServerStreamingCall<T> call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using (call)
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return message;
            }
        }
    }
}
