using System.Collections.Concurrent;
using BuildFarm.Api.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace BuildFarm.Api.Tests.TestSupport;

/// <summary>Records, on the client side of a real channel, every Upload chunk, UploadBatch request and FindMissing answer that goes over the wire.</summary>
internal sealed class RecordingInterceptor : Interceptor
{
    public ConcurrentQueue<UploadChunk> Chunks { get; } = new();

    public ConcurrentQueue<UploadBatchRequest> Batches { get; } = new();

    public ConcurrentQueue<FindMissingResponse> FindMissingAnswers { get; } = new();

    /// <summary>The digests of the blobs whose upload began: streamed ones in order, then those sent in batches (in flight together, so in no fixed order).</summary>
    public List<string> UploadedDigests =>
        [.. Chunks.Where(static c => c.Blob is not null).Select(static c => c.Blob.Digest), .. Batches.SelectMany(static b => b.Blobs).Select(static b => b.Blob.Digest)];

    public void Clear()
    {
        Chunks.Clear();
        Batches.Clear();
        FindMissingAnswers.Clear();
    }

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncClientStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(context);
        return new AsyncClientStreamingCall<TRequest, TResponse>(
            new RecordingWriter<TRequest>(call.RequestStream, this),
            call.ResponseAsync,
            call.ResponseHeadersAsync,
            call.GetStatus,
            call.GetTrailers,
            call.Dispose);
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (request is UploadBatchRequest batch)
        {
            Batches.Enqueue(batch);
        }

        var call = continuation(request, context);
        return new AsyncUnaryCall<TResponse>(Record(call.ResponseAsync), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    private async Task<TResponse> Record<TResponse>(Task<TResponse> response)
    {
        var result = await response;
        if (result is FindMissingResponse answer)
        {
            FindMissingAnswers.Enqueue(answer);
        }

        return result;
    }

    private sealed class RecordingWriter<T>(IClientStreamWriter<T> inner, RecordingInterceptor owner) : IClientStreamWriter<T>
    {
        public WriteOptions? WriteOptions
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        public Task CompleteAsync() => inner.CompleteAsync();

        public Task WriteAsync(T message)
        {
            Record(message);
            return inner.WriteAsync(message);
        }

        public Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            Record(message);
            return inner.WriteAsync(message, cancellationToken);
        }

        private void Record(T message)
        {
            if (message is UploadChunk chunk)
            {
                owner.Chunks.Enqueue(chunk);
            }
        }
    }
}
