using BuildFarm.Api.V1;
using BuildFarm.Grains.Metrics;
using BuildFarm.Oci;
using BuildFarm.Server.Content.Internal;
using BuildFarm.Storage.Content;
using Grpc.Core;

namespace BuildFarm.Server.Content;

/// <summary>
/// The <c>buildfarm.v1.Content</c> service over a silo's <see cref="ContentStore"/>: tells clients
/// which blobs are missing and takes uploads of them, streamed one by one or in batches of small
/// ones, each verified before it is stored.
/// </summary>
public sealed class ContentService(ContentStore store, FarmMetrics metrics) : Api.V1.Content.ContentBase
{
    public override Task<FindMissingResponse> FindMissing(FindMissingRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        var seen = new HashSet<Digest>();
        var response = new FindMissingResponse();
        for (var i = 0; i < request.Blobs.Count; i++)
        {
            var blob = request.Blobs[i];
            var digest = BlobRefs.ParseDigest(blob, $"blobs[{i}]");
            if (seen.Add(digest) && !store.Exists(digest))
            {
                response.Missing.Add(BlobRefs.From(digest, blob.Size));
            }
        }

        return Task.FromResult(response);
    }

    public override async Task<UploadResponse> Upload(IAsyncStreamReader<UploadChunk> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        using var session = new UploadSession(store);
        await foreach (var chunk in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            await session.AcceptAsync(chunk, context.CancellationToken).ConfigureAwait(false);
        }

        session.Complete();
        metrics.Uploaded(session.Stored.Where(s => s.Created).Sum(s => s.Blob.Size));
        var response = new UploadResponse();
        response.Stored.AddRange(session.Stored);
        return response;
    }

    public override Task<UploadBatchResponse> UploadBatch(UploadBatchRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var blobs = UploadBatchReader.Read(request);
        var result = store.WriteBatch(blobs, cancellationToken: context.CancellationToken);
        var response = new UploadBatchResponse();
        var createdBytes = 0L;
        for (var i = 0; i < blobs.Count; i++)
        {
            var outcome = result.Blobs[i];
            response.Results.Add(new BatchBlobResult
            {
                Blob = request.Blobs[i].Blob,
                Created = outcome.Created,
                Error = outcome.Failure?.Message ?? string.Empty,
            });
            createdBytes += outcome.Created ? blobs[i].Size : 0;
        }

        metrics.Uploaded(createdBytes);
        return Task.FromResult(response);
    }
}
