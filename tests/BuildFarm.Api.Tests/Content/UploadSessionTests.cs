using System.Security.Cryptography;
using BuildFarm.Api.V1;
using BuildFarm.Oci;
using BuildFarm.Server.Content.Internal;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using BuildFarm.Testing;
using Google.Protobuf;

namespace BuildFarm.Api.Tests.Content;

/// <summary>
/// An upload whose client goes away: the service disposes the stream's session when the call is
/// cancelled, which must leave neither a blob nor a half-written file behind.
/// </summary>
public sealed class UploadSessionTests : IDisposable
{
    private readonly TempDirectory _directory = new("buildfarm-upload");
    private readonly ContentStore _store;

    public UploadSessionTests()
    {
        _store = ContentStore.Open(new ContentStoreOptions { DataDirectory = _directory.Combine("data") });
    }

    public void Dispose()
    {
        _store.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_session_abandoned_inside_a_blob_leaves_nothing_behind()
    {
        var blob = RandomNumberGenerator.GetBytes(100_000);
        var session = new UploadSession(_store);
        await session.AcceptAsync(new UploadChunk
        {
            Blob = new BlobRef { Digest = Digest.Sha256(blob).ToString(), Size = blob.Length },
            Offset = 0,
            Data = ByteString.CopyFrom(blob, 0, 65_536),
        }, CancellationToken.None);
        Assert.Single(Directory.EnumerateFiles(_directory.Combine("data", "blobs", "ingest")));

        session.Dispose();

        Assert.Empty(Directory.EnumerateFiles(_directory.Combine("data", "blobs", "ingest")));
        Assert.Empty(_store.List());
        Assert.Empty(session.Stored);
    }
}
