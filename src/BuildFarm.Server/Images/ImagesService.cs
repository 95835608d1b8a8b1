using BuildFarm.Api.V1;
using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.History;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layout;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry;
using BuildFarm.Server.Builds;
using BuildFarm.Server.Images.Internal;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace BuildFarm.Server.Images;

/// <summary>
/// The <c>buildfarm.v1.Images</c> service: the <see cref="ImageCatalog"/> of the farm's names
/// (<paramref name="names"/>: the cluster's) over the silo's store, archives in and out, and pulls
/// and pushes with the silo's <see cref="RegistryClient"/>. What an image needs of blobs this silo
/// lacks is made local through <paramref name="availability"/> before it is read.
/// Failures become status codes in <see cref="ImageErrorInterceptor"/>.
/// </summary>
/// <param name="baseImages">Where the base images a build would pull come from, for <see cref="BaseImageConfigs"/>.</param>
public sealed class ImagesService(ContentStore store, IImageNames names, IBlobAvailability availability, RegistryClient registry, Execution.Building.IBaseImageSource baseImages) : Api.V1.Images.ImagesBase
{
    private readonly ImageCatalog _images = new(store, names, availability);

    public override async Task<ListImagesResponse> List(ListImagesRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = new ListImagesResponse();
        foreach (var image in await _images.ListAsync(context.CancellationToken).ConfigureAwait(false))
        {
            var summary = await _images.SummarizeAsync(image.Target, context.CancellationToken).ConfigureAwait(false);
            response.Images.Add(new Image
            {
                Name = image.Name?.ToString() ?? "",
                TargetDigest = image.Target.Digest.ToString(),
                TargetMediaType = image.Target.MediaType,
                Id = summary.Id.ToString(),
                Created = summary.Created is { } created ? Timestamp.FromDateTimeOffset(created) : null,
                Size = summary.Size,
            });
        }

        return response;
    }

    public override async Task<LoadImagesResponse> Load(IAsyncStreamReader<LoadImagesChunk> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await using var archive = await ArchiveSpool.ReceiveAsync(requestStream, store.DataDirectory, context.CancellationToken).ConfigureAwait(false);
        using var import = _images.BeginImport();
        var loaded = await ImageArchive.ImportAsync(archive.File, archive.Name, import.Blobs, context.CancellationToken).ConfigureAwait(false);
        var response = new LoadImagesResponse();
        foreach (var image in loaded)
        {
            if (image.Names.Count == 0)
            {
                await _images.AddUnnamedAsync(image.Target, context.CancellationToken).ConfigureAwait(false);
            }

            foreach (var name in image.Names)
            {
                await _images.NameAsync(name, image.Target, context.CancellationToken).ConfigureAwait(false);
            }

            var summary = await _images.SummarizeAsync(image.Target, context.CancellationToken).ConfigureAwait(false);
            response.Images.Add(new LoadedImage
            {
                Names = { image.Names.Select(static name => name.ToString()) },
                Id = summary.Id.ToString(),
                TargetDigest = image.Target.Digest.ToString(),
            });
        }

        return response;
    }

    public override async Task Save(SaveImagesRequest request, IServerStreamWriter<ExportChunk> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (request.Images.Count == 0)
        {
            throw new FormatException("Save needs at least one image.");
        }

        Func<IReadOnlyList<TaggedImage>, Stream, Task> write = request.Format switch
        {
            ImageArchiveFormat.Oci => (images, stream) => OciLayout.ExportToTarAsync(_images.Blobs, images, stream, context.CancellationToken),
            ImageArchiveFormat.Docker => (images, stream) => DockerArchive.ExportAsync(_images.Blobs, images, stream, context.CancellationToken),
            _ => throw new FormatException($"Cannot save as {request.Format}: choose OCI or DOCKER."),
        };
        var images = await CollectAsync(request.Images, context.CancellationToken).ConfigureAwait(false);
        await using var chunks = new ExportChunkStream(responseStream, context.CancellationToken);
        await write(images, chunks).ConfigureAwait(false);
    }

    public override async Task<TagImageResponse> Tag(TagImageRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var name = ImageReference.Parse(request.Target);
        if (name.Digest is not null)
        {
            throw new FormatException($"refusing to create a tag with a digest reference: {request.Target}");
        }

        var image = await _images.ResolveAsync(request.Source, context.CancellationToken).ConfigureAwait(false);
        await _images.NameAsync(name, image.Target, context.CancellationToken).ConfigureAwait(false);
        return new TagImageResponse();
    }

    public override async Task<RemoveImageResponse> Remove(RemoveImageRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var removal = await _images.RemoveAsync(request.Image, request.Force, context.CancellationToken).ConfigureAwait(false);
        var response = new RemoveImageResponse();
        response.Removed.AddRange(removal.Removed.Select(entry => entry.Name is { } name
            ? new RemovedImage { Untagged = name.ToString() }
            : new RemovedImage { Deleted = removal.Id.ToString() }));
        return response;
    }

    public override async Task Pull(PullImageRequest request, IServerStreamWriter<PullProgress> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var name = ImageReference.Parse(request.Image);
        var platform = request.Platform.Length > 0 ? Platform.Parse(request.Platform) : null;
        await responseStream.WriteAsync(new PullProgress { Started = new PullStarted { Reference = name.ToString() } }, cancellationToken).ConfigureAwait(false);

        using var import = _images.BeginImport();
        var sink = new PresenceRecordingWriter(import.Blobs);
        var pulled = await new ImagePuller(registry).PullAsync(name, sink, platform, cancellationToken).ConfigureAwait(false);
        foreach (var layer in pulled.Image.Layers.DistinctBy(static layer => layer.Digest))
        {
            var pulledLayer = new PulledLayer { Digest = layer.Digest.ToString(), Size = layer.Size, AlreadyExisted = sink.WasPresent(layer.Digest) };
            await responseStream.WriteAsync(new PullProgress { Layer = pulledLayer }, cancellationToken).ConfigureAwait(false);
        }

        var previous = await _images.NameAsync(name, pulled.Manifest, cancellationToken).ConfigureAwait(false);
        var finished = new PullFinished
        {
            Digest = (pulled.Index?.Digest ?? pulled.Manifest.Digest).ToString(),
            UpToDate = previous?.Target.Digest == pulled.Manifest.Digest,
        };
        await responseStream.WriteAsync(new PullProgress { Finished = finished }, cancellationToken).ConfigureAwait(false);
    }

    public override async Task Push(PushImageRequest request, IServerStreamWriter<PushProgress> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var pushes = await ImagePush.PlanAsync(_images, request.Image, request.Destination, request.AllTags, cancellationToken).ConfigureAwait(false);
        await responseStream.WriteAsync(new PushProgress { Started = new PushStarted { Repository = pushes[0].Repository.ToString() } }, cancellationToken).ConfigureAwait(false);
        var pusher = new ImagePusher(registry);
        foreach (var push in pushes)
        {
            await _images.EnsureLocalAsync(push.Image, withLayers: true, cancellationToken).ConfigureAwait(false);
            var result = await pusher.PushAsync(push.Repository, push.Image, _images.Blobs, push.Tags, push.MountFrom, cancellationToken).ConfigureAwait(false);
            foreach (var blob in result.Blobs)
            {
                await responseStream.WriteAsync(new PushProgress { Blob = Pushed(blob, push.MountFrom) }, cancellationToken).ConfigureAwait(false);
            }

            foreach (var reference in result.References)
            {
                var tag = new PushedTag { Tag = reference.Tag ?? "", Digest = result.Manifest.Digest.ToString(), Size = result.Manifest.Size };
                await responseStream.WriteAsync(new PushProgress { Tag = tag }, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override async Task<BaseImageConfigsResponse> BaseImageConfigs(BaseImageConfigsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var response = new BaseImageConfigsResponse();
        foreach (var image in request.Images)
        {
            // Found as a build finds it; a malformed name or platform is a FormatException: INVALID_ARGUMENT.
            var platform = image.Platform.Length > 0 ? Platform.Parse(image.Platform) : ImagePuller.DefaultPlatform;
            var config = await FindOrPullAsync(ImageReference.Parse(image.Image), platform, request.Pull, context.CancellationToken).ConfigureAwait(false);
            var answer = new Api.V1.BaseImageConfig { Ref = image, Found = config is not null };
            if (config is not null)
            {
                answer.Env.AddRange(config.Env);
                answer.WorkingDir = config.WorkingDir;
                answer.User = config.User;
                answer.Shell.AddRange(config.Shell);
                answer.OnBuild.AddRange(config.OnBuild);
            }

            response.Configs.Add(answer);
        }

        return response;
    }

    // What the build would pull is pulled now, so that its config is known; an image that cannot
    // be had is not found here (the build that needs it says why).
    private async Task<Dockerfile.Planning.BaseImageConfig?> FindOrPullAsync(ImageReference reference, Platform platform, bool pull, CancellationToken cancellationToken)
    {
        var image = reference.ToString();
        if (!pull || reference.Digest is not null)
        {
            if (await Execution.Building.BaseImageConfigs.FindAsync(store, image, platform, cancellationToken).ConfigureAwait(false) is { } stored)
            {
                return stored;
            }
        }

        try
        {
            await baseImages.PullAsync(reference, platform, cancellationToken).ConfigureAwait(false);
        }
        catch (Execution.Building.BaseImageNotFoundException)
        {
            return null;
        }

        return await Execution.Building.BaseImageConfigs.FindAsync(store, image, platform, cancellationToken).ConfigureAwait(false);
    }

    public override async Task<ImageHistoryResponse> History(ImageHistoryRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var cancellationToken = context.CancellationToken;
        var platform = request.Platform.Length > 0 ? Platform.Parse(request.Platform) : ImagePuller.DefaultPlatform;
        var image = await _images.ResolveAsync(request.Image, cancellationToken).ConfigureAwait(false);
        await _images.EnsureLocalAsync(image.Target, withLayers: true, cancellationToken).ConfigureAwait(false);
        var manifestDescriptor = await ManifestForAsync(request.Image, image.Target, platform, cancellationToken).ConfigureAwait(false);
        var (manifest, config) = await _images.Blobs.ReadImageAsync(manifestDescriptor, cancellationToken).ConfigureAwait(false);
        var steps = await ImageHistory.ReadAsync(_images.Blobs, manifest, config, cancellationToken).ConfigureAwait(false);

        var response = new ImageHistoryResponse { Id = manifest.Config.Digest.ToString(), WastedBytes = steps.Sum(static step => step.WastedBytes) };
        response.Steps.AddRange(steps.Reverse().Select(static step => new HistoryStep
        {
            Created = step.Entry.Created is { } created ? Timestamp.FromDateTimeOffset(created) : null,
            CreatedBy = step.Entry.CreatedBy ?? "",
            Comment = step.Entry.Comment ?? "",
            LayerDigest = step.Layer?.Digest.ToString() ?? "",
            Size = step.Size,
            WastedBytes = step.WastedBytes,
        }));
        return response;
    }

    /// <summary>The image's manifest, or its index's manifest for <paramref name="platform"/>.</summary>
    private async Task<Descriptor> ManifestForAsync(string asked, Descriptor target, Platform platform, CancellationToken cancellationToken)
    {
        if (!MediaTypes.IsIndex(target.MediaType))
        {
            return target;
        }

        var index = ImageIndex.Parse(await _images.Blobs.ReadDocumentAsync(target, cancellationToken).ConfigureAwait(false));
        return index.FindManifest(platform) ?? throw new ImageNotFoundException(
            $"{asked}: no manifest for {platform}; it has {string.Join(", ", index.Manifests.Select(static m => m.Platform?.ToString() ?? "(no platform)"))}");
    }

    private static Api.V1.PushedBlob Pushed(Oci.Registry.PushedBlob blob, RepositoryName? mountFrom) => new()
    {
        Digest = blob.Blob.Digest.ToString(),
        MediaType = blob.Blob.MediaType,
        Size = blob.Blob.Size,
        Outcome = blob.Outcome switch
        {
            BlobPushOutcome.AlreadyExists => PushOutcome.AlreadyExists,
            BlobPushOutcome.Mounted => PushOutcome.Mounted,
            _ => PushOutcome.Pushed,
        },
        MountedFrom = blob.Outcome == BlobPushOutcome.Mounted ? mountFrom?.ToString() ?? "" : "",
    };

    /// <summary>
    /// The images to write, each once, with the names they were asked for by (docker's short form,
    /// <c>busybox:latest</c>); an image asked for by ID or digest goes without a name.
    /// </summary>
    private async Task<List<TaggedImage>> CollectAsync(IEnumerable<string> names, CancellationToken cancellationToken)
    {
        var targets = new List<Descriptor>();
        var tags = new Dictionary<Digest, List<string>>();
        foreach (var name in names)
        {
            var image = await _images.ResolveAsync(name, cancellationToken).ConfigureAwait(false);
            if (!tags.TryGetValue(image.Target.Digest, out var imageTags))
            {
                await _images.EnsureLocalAsync(image.Target, withLayers: true, cancellationToken).ConfigureAwait(false);
                tags[image.Target.Digest] = imageTags = [];
                targets.Add(image.Target);
            }

            if (image.Name is { Tag: not null } tagged && !imageTags.Contains(ImageNames.Familiar(tagged)))
            {
                imageTags.Add(ImageNames.Familiar(tagged));
            }
        }

        return [.. targets.Select(target => new TaggedImage(target, tags[target.Digest]))];
    }
}
