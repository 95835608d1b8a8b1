using BuildFarm.Api.V1;
using BuildFarm.Dockerfile;
using BuildFarm.Grains.Builds;
using BuildFarm.Grains.Internal;
using BuildFarm.Oci;
using BuildFarm.Oci.References;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images;
using BuildFarm.Storage.Pruning;
using BuildFarm.Storage.Trees;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using BuildEngine = BuildFarm.Execution.Building.BuildEngine;
using BuildEvent = BuildFarm.Api.V1.BuildEvent;
using BuildState = BuildFarm.Grains.Builds.BuildState;

namespace BuildFarm.Server.Builds;

/// <summary>
/// The <c>buildfarm.v1.Builds</c> service: each build is a <see cref="IBuildGrain"/>; a stream of
/// events is a loop of short reads of its log, so no grain call outlives Orleans' timeout.
/// </summary>
public sealed partial class BuildsService(IGrainFactory grains, ContentStore store, IBlobAvailability availability, BuildEngine engine, PruneGate gate, TimeProvider time, ILogger<BuildsService> logger) : Api.V1.Builds.BuildsBase
{
    // Each read waits at most this long for the next event, well under the grain call timeout.
    private static readonly TimeSpan ReadWait = TimeSpan.FromSeconds(10);

    private const int DefaultPageSize = 100;

    // Larger page sizes are served as this many, as AIP-158 allows.
    private const int MaxPageSize = 1000;

    public override async Task Submit(SubmitRequest request, IServerStreamWriter<BuildEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var spec = BuildRequests.ToSpec(request, store);
        await CheckAsync(spec, context.CancellationToken).ConfigureAwait(false);
        var id = BuildIds.New(time);
        using var scope = BeginBuildScope(logger, id);
        // Starting is idempotent: when a silo of the cluster has just died (the grain directory or
        // the index on it), the start is made again until the cluster has voted it out.
        var build = grains.GetGrain<IBuildGrain>(id);
        var secrets = BuildRequests.ToSecrets(request);
        await SiloLoss.RetryAsync(() => build.StartAsync(spec, secrets), context.CancellationToken).ConfigureAwait(false);
        LogSubmitted(logger, id, context.Peer, spec.ContextDigest);
        await StreamAsync(id, 0, responseStream, context.CancellationToken).ConfigureAwait(false);
    }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<BuildEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var summary = await FindAsync(request.BuildId).ConfigureAwait(false);
        using var scope = BeginBuildScope(logger, request.BuildId);
        var after = request.FromSequence == 0 ? 0 : (long)request.FromSequence - 1;
        if (summary.State != BuildState.Running && after > summary.LastSequence)
        {
            throw new RpcException(new Status(StatusCode.OutOfRange, $"Build {request.BuildId} ended at event {summary.LastSequence}; there is no event {request.FromSequence}."));
        }

        LogWatching(logger, request.BuildId, context.Peer, request.FromSequence, summary.State);
        await StreamAsync(request.BuildId, after, responseStream, context.CancellationToken).ConfigureAwait(false);
    }

    public override async Task<CancelResponse> Cancel(CancelRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        await FindAsync(request.BuildId).ConfigureAwait(false);
        using var scope = BeginBuildScope(logger, request.BuildId);
        LogCancelling(logger, request.BuildId, context.Peer);
        var grain = grains.GetGrain<IBuildGrain>(request.BuildId);
        var summary = await grain.CancelAsync().ConfigureAwait(false);

        // The build ends once its running step has been killed and its mounts released.
        var after = summary.LastSequence;
        while (summary.State == BuildState.Running)
        {
            var page = await grain.ReadEventsAsync(after, ReadWait).ConfigureAwait(false);
            after += page.Events.Count;
            summary = page.Summary;
        }

        return new CancelResponse { State = BuildMessages.State(summary.State) };
    }

    public override async Task<Build> Get(GetBuildRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        return BuildMessages.Build(await FindAsync(request.BuildId).ConfigureAwait(false));
    }

    // The index keeps each build's summary as of its start and its end; a running build's
    // progress is asked of its grain, so a page costs one call plus one per running build on it.
    public override async Task<ListBuildsResponse> List(ListBuildsRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.PageSize < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"page_size is {request.PageSize}; it must be 0 (for {DefaultPageSize}) or more."));
        }

        var before = BuildPageTokens.Decode(request.PageToken);
        var size = request.PageSize == 0 ? DefaultPageSize : Math.Min(request.PageSize, MaxPageSize);
        var states = request.States.SelectMany(GrainStates).ToList();
        var page = await grains.GetGrain<IBuildIndexGrain>(0).ListAsync(before, size, states).ConfigureAwait(false);
        var response = new ListBuildsResponse { NextPageToken = BuildPageTokens.Encode(page.Next) };
        foreach (var listed in page.Builds)
        {
            var summary = listed.State == BuildState.Running ? await grains.GetGrain<IBuildGrain>(listed.Id).GetAsync().ConfigureAwait(false) : listed;
            var build = BuildMessages.Build(summary);
            if (request.States.Count == 0 || request.States.Contains(build.State))
            {
                response.Builds.Add(build);
            }
        }

        return response;
    }

    // QUEUED and RUNNING are both a running build to the grains.
    private static IEnumerable<BuildState> GrainStates(Api.V1.BuildState state) => state switch
    {
        Api.V1.BuildState.Queued or Api.V1.BuildState.Running => [BuildState.Running],
        Api.V1.BuildState.Succeeded => [BuildState.Succeeded],
        Api.V1.BuildState.Failed => [BuildState.Failed],
        Api.V1.BuildState.Cancelled => [BuildState.Cancelled],
        _ => [],
    };

    public override async Task Export(ExportRequest request, IServerStreamWriter<ExportChunk> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        var summary = await FindAsync(request.BuildId).ConfigureAwait(false);
        if (summary is not { State: BuildState.Succeeded, Output: { } output })
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Build {request.BuildId} has not succeeded ({summary.State}): there is no image to export."));
        }

        var names = request.Names.Count > 0 ? [.. request.Names.Select(n => ImageReference.Parse(n).ToString())] : summary.Tags;

        // Held so that no prune removes the image's blobs while they are read.
        using var hold = await gate.EnterWorkAsync(context.CancellationToken).ConfigureAwait(false);
        await using var chunks = new ExportChunkStream(responseStream, context.CancellationToken);
        try
        {
            // A step that ran elsewhere, or a base image named elsewhere, left blobs on other silos.
            await availability.EnsureImageLocalAsync(store, BuildArchives.ManifestOf(output), withLayers: true, context.CancellationToken).ConfigureAwait(false);
            await BuildArchives.WriteAsync(store, output, request.Format, names, chunks, context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is BlobNotFoundException or Oci.Blobs.BlobNotFoundException)
        {
            // An untagged build's image is no image's and no step's: farm prune removes it.
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"The image of build {request.BuildId} is no longer stored (pruned or evicted): {e.Message}"));
        }
    }

    /// <summary>
    /// Finds what is wrong with a request before its build is accepted: a context tree with a
    /// missing or malformed part, a Dockerfile that is not in it or does not parse.
    /// </summary>
    private async Task CheckAsync(BuildSpec spec, CancellationToken cancellationToken)
    {
        var root = Digest.Parse(spec.ContextDigest);
        if (root == BuildRequests.EmptyContext.Digest)
        {
            var node = BuildRequests.EmptyContext.Bytes;
            await store.WriteAsync(new MemoryStream(node.ToArray(), writable: false), root, node.Length, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        try
        {
            SubmittedTree.Check(root, store);
            engine.CheckDockerfile(spec.ToBuildRequest());
        }
        catch (TreeBlobMissingException e)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"{e.Message} Upload it (Content.Upload) and submit again."));
        }
        catch (Exception e) when (e is TreeFormatException or DockerfileException or FileNotFoundException)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
    }

    private async Task<BuildSummary> FindAsync(string id)
    {
        // Ids are only ever made by BuildIds: anything else names no build.
        if (!BuildIds.IsValid(id))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"There is no build {id}."));
        }

        var summary = await grains.GetGrain<IBuildGrain>(id).GetAsync().ConfigureAwait(false);
        return summary.State == BuildState.Unknown
            ? throw new RpcException(new Status(StatusCode.NotFound, $"There is no build {id}."))
            : summary;
    }

    private async Task StreamAsync(string id, long after, IServerStreamWriter<BuildEvent> responseStream, CancellationToken cancellationToken)
    {
        var grain = grains.GetGrain<IBuildGrain>(id);
        while (true)
        {
            var page = await grain.ReadEventsAsync(after, ReadWait).WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var record in page.Events)
            {
                await responseStream.WriteAsync(BuildMessages.Event(id, record, page.Summary), cancellationToken).ConfigureAwait(false);
            }

            after += page.Events.Count;
            if (page.Done)
            {
                return;
            }
        }
    }
}
