using System.Security.Cryptography;
using BuildFarm.Api.Tests.TestSupport;
using BuildFarm.Api.V1;
using BuildFarm.Oci;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;

namespace BuildFarm.Api.Tests.Content;

/// <summary>The Content service over a real server: what FindMissing answers, what Upload stores and what it refuses.</summary>
public sealed class ContentServiceTests : IAsyncLifetime
{
    private ContentServer _server = null!;

    public async Task InitializeAsync() => _server = await ContentServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task FindMissing_answers_the_absent_blobs_once_each_in_request_order()
    {
        var held = Text("held");
        await StoreAsync(held);
        var first = Text("first");
        var second = Text("second");

        var response = await _server.Content.FindMissingAsync(Request(second, held, first, second));

        Assert.Equal([Ref(second), Ref(first)], response.Missing);
    }

    [Fact]
    public async Task FindMissing_refuses_a_malformed_digest_naming_the_entry()
    {
        var request = Request(Text("fine"));
        request.Blobs.Add(new BlobRef { Digest = "sha256:abc", Size = 3 });

        var error = await Assert.ThrowsAsync<RpcException>(async () => await _server.Content.FindMissingAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("blobs[1]: \"sha256:abc\" is not a blob digest (expected \"sha256:\" and 64 lowercase hex digits)", error.Status.Detail);
    }

    [Fact]
    public async Task Upload_stores_several_blobs_of_one_stream_each_verified()
    {
        var empty = Array.Empty<byte>();
        var large = RandomNumberGenerator.GetBytes(150_000);
        var small = Text("small");
        using var call = _server.Content.Upload();
        await SendAsync(call, empty, chunkSize: 65_536);
        await SendAsync(call, large, chunkSize: 65_536);
        await SendAsync(call, small, chunkSize: 2);
        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;

        Assert.Equal(
            [Stored(empty, created: true), Stored(large, created: true), Stored(small, created: true)],
            response.Stored);
        Assert.Equal(large, await ReadStoredAsync(large));
        Assert.Equal(small, await ReadStoredAsync(small));
        Assert.Equal(3, _server.Store.List().Count);
    }

    [Fact]
    public async Task Upload_of_a_blob_already_held_reports_it_not_created()
    {
        var blob = Text("twice");
        await StoreAsync(blob);
        using var call = _server.Content.Upload();
        await SendAsync(call, blob, chunkSize: 65_536);
        await call.RequestStream.CompleteAsync();

        Assert.Equal([Stored(blob, created: false)], (await call.ResponseAsync).Stored);
    }

    [Fact]
    public async Task A_corrupt_chunk_is_refused_with_InvalidArgument_and_nothing_is_stored()
    {
        var declared = RandomNumberGenerator.GetBytes(100_000);
        var corrupt = declared.ToArray();
        corrupt[70_000] ^= 0xFF; // a bit flipped in the second chunk
        using var call = _server.Content.Upload();
        await WriteChunksAsync(call, Ref(declared), corrupt, chunkSize: 65_536);
        await call.RequestStream.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal($"Blob {Digest.Sha256(declared)} (100000 bytes) was not stored: its content has digest {Digest.Sha256(corrupt)}.", error.Status.Detail);
        Assert.Empty(_server.Store.List());
        Assert.DoesNotContain(Directory.EnumerateFiles(_server.DataDirectory, "*", SearchOption.AllDirectories), IsBlobOrIngest);
    }

    [Fact]
    public async Task A_stream_that_ends_inside_a_blob_stores_nothing_of_it_but_keeps_the_blobs_before()
    {
        var complete = Text("complete");
        var cut = RandomNumberGenerator.GetBytes(100_000);
        using var call = _server.Content.Upload();
        await SendAsync(call, complete, chunkSize: 65_536);
        await call.RequestStream.WriteAsync(new UploadChunk { Blob = Ref(cut), Offset = 0, Data = ByteString.CopyFrom(cut, 0, 65_536) });
        await call.RequestStream.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal($"blob {Digest.Sha256(cut)} was not stored: the stream ended after 65536 of its 100000 bytes", error.Status.Detail);
        Assert.Equal([Digest.Sha256(complete)], _server.Store.List().Select(static b => b.Digest));
        Assert.False(_server.Store.Exists(Digest.Sha256(cut)));
    }

    [Fact]
    public async Task Chunks_out_of_order_are_refused()
    {
        var blob = RandomNumberGenerator.GetBytes(1_000);
        using var call = _server.Content.Upload();
        await call.RequestStream.WriteAsync(new UploadChunk { Blob = Ref(blob), Offset = 0, Data = ByteString.CopyFrom(blob, 0, 400) });
        await call.RequestStream.WriteAsync(new UploadChunk { Offset = 500, Data = ByteString.CopyFrom(blob, 500, 500) });
        await call.RequestStream.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal($"chunk 2 of blob {Digest.Sha256(blob)} starts at offset 500, expected 400: chunks must arrive in order", error.Status.Detail);
        Assert.Empty(_server.Store.List());
    }

    [Fact]
    public async Task A_chunk_over_64_KiB_is_refused()
    {
        var blob = RandomNumberGenerator.GetBytes(65_537);
        using var call = _server.Content.Upload();
        await call.RequestStream.WriteAsync(new UploadChunk { Blob = Ref(blob), Offset = 0, Data = ByteString.CopyFrom(blob) });
        await call.RequestStream.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal($"chunk 1 of blob {Digest.Sha256(blob)} has 65537 bytes, more than the 65536 allowed", error.Status.Detail);
        Assert.Empty(_server.Store.List());
    }

    [Fact]
    public async Task Data_without_a_blob_is_refused()
    {
        using var call = _server.Content.Upload();
        await call.RequestStream.WriteAsync(new UploadChunk { Offset = 0, Data = ByteString.CopyFromUtf8("orphan") });
        await call.RequestStream.CompleteAsync();

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("chunk 1 names no blob: the first chunk of each blob carries its digest and size", error.Status.Detail);
    }

    [Fact]
    public async Task UploadBatch_stores_every_blob_and_answers_one_result_per_blob_in_request_order()
    {
        var held = Text("held");
        await StoreAsync(held);
        var empty = Array.Empty<byte>();
        var full = RandomNumberGenerator.GetBytes(65_536);

        var response = await _server.Content.UploadBatchAsync(Batch(Text("first"), held, empty, full, Text("first")));

        Assert.Equal(
            [Result(Text("first"), created: true), Result(held, created: false), Result(empty, created: true), Result(full, created: true), Result(Text("first"), created: false)],
            response.Results);
        Assert.Equal(full, await ReadStoredAsync(full));
        Assert.Equal(Text("first"), await ReadStoredAsync(Text("first")));
        Assert.Equal(4, _server.Store.List().Count);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_server.DataDirectory, "blobs", "ingest")));
    }

    [Fact]
    public async Task A_mismatch_in_the_middle_of_a_batch_refuses_that_blob_alone_and_stores_the_others()
    {
        var declared = RandomNumberGenerator.GetBytes(1_000);
        var corrupt = declared.ToArray();
        corrupt[500] ^= 0xFF;
        var request = Batch(Text("before"), Text("after"));
        request.Blobs.Insert(1, new BlobData { Blob = Ref(declared), Data = ByteString.CopyFrom(corrupt) });
        request.Blobs.Add(new BlobData { Blob = new BlobRef { Digest = Digest.Sha256(Text("short")).ToString(), Size = 6 }, Data = ByteString.CopyFrom(Text("short")) });

        var response = await _server.Content.UploadBatchAsync(request);

        Assert.Equal(
            [
                Result(Text("before"), created: true),
                new BatchBlobResult { Blob = Ref(declared), Error = $"Blob {Digest.Sha256(declared)} (1000 bytes) was not stored: its content has digest {Digest.Sha256(corrupt)}." },
                Result(Text("after"), created: true),
                new BatchBlobResult { Blob = request.Blobs[3].Blob, Error = $"Blob {Digest.Sha256(Text("short"))} (6 bytes) was not stored: its content has 5 bytes." },
            ],
            response.Results);
        Assert.Equal(new[] { Digest.Sha256(Text("before")), Digest.Sha256(Text("after")) }.ToHashSet(), _server.Store.List().Select(static b => b.Digest).ToHashSet());
        Assert.Equal(2, Directory.EnumerateFiles(_server.DataDirectory, "*", SearchOption.AllDirectories).Count(IsBlobOrIngest));
    }

    [Fact]
    public async Task A_batch_of_more_than_1000_blobs_is_refused_whole()
    {
        var request = Batch([.. Enumerable.Range(0, 1_001).Select(static i => Text($"blob {i}"))]);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await _server.Content.UploadBatchAsync(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("the batch has 1001 blobs, more than the 1000 allowed per UploadBatch call", error.Status.Detail);
        Assert.Empty(_server.Store.List());
    }

    [Fact]
    public async Task A_blob_over_64_KiB_in_a_batch_is_refused_naming_its_index()
    {
        var large = RandomNumberGenerator.GetBytes(65_537);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await _server.Content.UploadBatchAsync(Batch(Text("a"), Text("b"), large)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal($"blobs[2]: blob {Digest.Sha256(large)} has 65537 bytes of data, more than the 65536 a batch takes per blob; send it with Upload", error.Status.Detail);
        Assert.Empty(_server.Store.List());
    }

    [Fact]
    public async Task A_batch_of_more_than_2_MiB_is_refused_naming_the_blob_that_passes_the_limit()
    {
        var blobs = Enumerable.Range(0, 33).Select(static _ => RandomNumberGenerator.GetBytes(65_536)).ToArray();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await _server.Content.UploadBatchAsync(Batch(blobs)));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal($"blobs[32]: blob {Digest.Sha256(blobs[32])} takes the batch to 2162688 bytes of data, more than the 2097152 allowed per UploadBatch call", error.Status.Detail);
        Assert.Empty(_server.Store.List());
    }

    [Fact]
    public async Task A_malformed_digest_in_a_batch_is_refused_whole_naming_the_entry()
    {
        var request = Batch(Text("fine"));
        request.Blobs.Add(new BlobData { Blob = new BlobRef { Digest = "sha256:abc", Size = 3 }, Data = ByteString.CopyFrom(Text("abc")) });
        request.Blobs.Add(new BlobData { Data = ByteString.CopyFrom(Text("no ref")) });

        var malformed = await Assert.ThrowsAsync<RpcException>(async () => await _server.Content.UploadBatchAsync(request));
        request.Blobs.RemoveAt(1);
        var unnamed = await Assert.ThrowsAsync<RpcException>(async () => await _server.Content.UploadBatchAsync(request));

        Assert.Equal((StatusCode.InvalidArgument, "blobs[1]: \"sha256:abc\" is not a blob digest (expected \"sha256:\" and 64 lowercase hex digits)"), (malformed.StatusCode, malformed.Status.Detail));
        Assert.Equal((StatusCode.InvalidArgument, "blobs[1] names no blob: each carries its digest and size"), (unnamed.StatusCode, unnamed.Status.Detail));
        Assert.Empty(_server.Store.List());
    }

    [Fact]
    public async Task The_server_answers_gRPC_health_checks_for_itself_and_each_service_by_name()
    {
        var health = new Health.HealthClient(_server.Channel);
        string[] services = ["", "buildfarm.v1.Content", "buildfarm.v1.Builds", "buildfarm.v1.Images", "buildfarm.v1.Storage"];

        var statuses = new List<string>();
        foreach (var service in services)
        {
            statuses.Add($"{service}={(await health.CheckAsync(new HealthCheckRequest { Service = service })).Status}");
        }

        var unknown = await Assert.ThrowsAsync<RpcException>(() => health.CheckAsync(new HealthCheckRequest { Service = "buildfarm.v1.Nope" }).ResponseAsync);

        Assert.Equal(services.Select(service => $"{service}=Serving"), statuses);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    private static bool IsBlobOrIngest(string path) =>
        path.Contains("/blobs/sha256/", StringComparison.Ordinal) || path.Contains("/ingest/", StringComparison.Ordinal);

    private static byte[] Text(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    private static BlobRef Ref(byte[] blob) => new() { Digest = Digest.Sha256(blob).ToString(), Size = blob.Length };

    private static StoredBlob Stored(byte[] blob, bool created) => new() { Blob = Ref(blob), Created = created };

    private static BatchBlobResult Result(byte[] blob, bool created) => new() { Blob = Ref(blob), Created = created };

    private static UploadBatchRequest Batch(params byte[][] blobs)
    {
        var request = new UploadBatchRequest();
        request.Blobs.AddRange(blobs.Select(static blob => new BlobData { Blob = Ref(blob), Data = ByteString.CopyFrom(blob) }));
        return request;
    }

    private static FindMissingRequest Request(params byte[][] blobs)
    {
        var request = new FindMissingRequest();
        request.Blobs.AddRange(blobs.Select(Ref));
        return request;
    }

    private static Task SendAsync(AsyncClientStreamingCall<UploadChunk, UploadResponse> call, byte[] blob, int chunkSize) =>
        WriteChunksAsync(call, Ref(blob), blob, chunkSize);

    private static async Task WriteChunksAsync(AsyncClientStreamingCall<UploadChunk, UploadResponse> call, BlobRef blob, byte[] content, int chunkSize)
    {
        var offset = 0;
        do
        {
            var length = Math.Min(chunkSize, content.Length - offset);
            var chunk = new UploadChunk { Offset = offset, Data = ByteString.CopyFrom(content, offset, length) };
            if (offset == 0)
            {
                chunk.Blob = blob;
            }

            await call.RequestStream.WriteAsync(chunk);
            offset += length;
        }
        while (offset < content.Length);
    }

    private async Task StoreAsync(byte[] blob) =>
        await _server.Store.WriteAsync(new MemoryStream(blob), Digest.Sha256(blob), blob.Length);

    private async Task<byte[]> ReadStoredAsync(byte[] blob)
    {
        await using var stream = _server.Store.OpenRead(Digest.Sha256(blob));
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }
}
