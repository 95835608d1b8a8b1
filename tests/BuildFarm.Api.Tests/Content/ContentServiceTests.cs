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
    public async Task The_server_answers_gRPC_health_checks()
    {
        var health = new Health.HealthClient(_server.Channel);

        var response = await health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    private static bool IsBlobOrIngest(string path) =>
        path.Contains("/blobs/sha256/", StringComparison.Ordinal) || path.Contains("/ingest/", StringComparison.Ordinal);

    private static byte[] Text(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    private static BlobRef Ref(byte[] blob) => new() { Digest = Digest.Sha256(blob).ToString(), Size = blob.Length };

    private static StoredBlob Stored(byte[] blob, bool created) => new() { Blob = Ref(blob), Created = created };

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
