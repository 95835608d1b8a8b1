using BuildFarm.Api.V1;
using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Oci;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace BuildFarm.Cli.Tests.EndToEnd;

/// <summary>
/// A <c>farm server</c> process SIGKILLed while batch uploads are in flight: what the restarted
/// server holds is whole, what it lacks it reports missing, and nothing half-written is left.
/// </summary>
public sealed class UploadCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Batches = 12;
    private const int BlobsPerBatch = 1_000;
    private const int BlobBytes = 2_000; // 2 MB a batch, just under the 2 MiB a call may carry

    private static readonly TimeSpan IngestWait = TimeSpan.FromSeconds(20);

    private readonly FarmSession _session = new();

    [Fact]
    public async Task After_a_kill_mid_batch_every_blob_held_verifies_the_rest_is_missing_and_ingest_is_empty()
    {
        var batches = Enumerable.Range(0, Batches).Select(MakeBatch).ToArray();
        var all = batches.SelectMany(static batch => batch).ToArray();
        var ingest = Path.Combine(_session.DataDirectory, "blobs", "ingest");
        await using var server = await ServerProcess.StartAsync(_session.DataDirectory, _session.Home);

        var acknowledged = new List<byte[]>();
        using (var channel = GrpcChannel.ForAddress(server.Address))
        {
            var content = new Content.ContentClient(channel);
            var first = await content.UploadBatchAsync(Request(batches[0]));
            Assert.Equal(BlobsPerBatch, first.Results.Count(static r => r.Created && r.Error.Length == 0));
            acknowledged.AddRange(batches[0]);

            // The other batches go out together; the server is killed as soon as one of them is
            // being written (its files appear in ingest/), or after a bounded wait regardless.
            var inFlight = batches[1..].Select(batch => (Batch: batch, Call: content.UploadBatchAsync(Request(batch)).ResponseAsync)).ToArray();
            var ingestSeen = await WaitForIngestFilesAsync(ingest);
            await server.CrashAsync();
            output.WriteLine($"killed {(ingestSeen ? "with files in ingest/" : "after the wait, ingest/ empty")}");

            foreach (var (batch, call) in inFlight)
            {
                try
                {
                    var response = await call;
                    Assert.Equal(BlobsPerBatch, response.Results.Count(static r => r.Error.Length == 0));
                    acknowledged.AddRange(batch);
                }
                catch (RpcException)
                {
                    // Cut off by the kill: the farm never said it stored this batch.
                }
            }
        }

        await server.StartAsync();
        Assert.Empty(Directory.EnumerateFiles(ingest));
        HashSet<string> missing;
        using (var channel = GrpcChannel.ForAddress(server.Address))
        {
            missing = await FindMissingAsync(new Content.ContentClient(channel), all);
        }

        output.WriteLine($"{acknowledged.Count} blobs acknowledged, {all.Length - missing.Count} held after the restart, {missing.Count} missing");
        Assert.Equal(0, await server.StopAsync());
        Assert.DoesNotContain(acknowledged, blob => missing.Contains(Digest.Sha256(blob).ToString()));
        using var store = ContentStore.Open(new ContentStoreOptions { DataDirectory = _session.DataDirectory });
        var check = await store.CheckAsync();
        Assert.Empty(check.Corrupt);
        var held = all.Select(static blob => Digest.Sha256(blob).ToString()).Where(digest => !missing.Contains(digest)).ToHashSet();
        Assert.Equal(held, store.List().Select(static blob => blob.Digest.ToString()).ToHashSet());
        Assert.Equal((held.Count, held.Count * (long)BlobBytes), (check.BlobsChecked, check.BytesChecked));
    }

    public void Dispose() => _session.Dispose();

    /// <summary>Distinct blobs: each begins with its batch and index, the rest is random.</summary>
    private static byte[][] MakeBatch(int batch)
    {
        var random = new Random(batch);
        return [.. Enumerable.Range(0, BlobsPerBatch).Select(index =>
        {
            var blob = new byte[BlobBytes];
            random.NextBytes(blob);
            BitConverter.TryWriteBytes(blob, batch * BlobsPerBatch + index);
            return blob;
        })];
    }

    private static UploadBatchRequest Request(byte[][] blobs)
    {
        var request = new UploadBatchRequest();
        request.Blobs.AddRange(blobs.Select(static blob => new BlobData
        {
            Blob = new BlobRef { Digest = Digest.Sha256(blob).ToString(), Size = blob.Length },
            Data = ByteString.CopyFrom(blob),
        }));
        return request;
    }

    /// <summary>Waits, bounded, for a file in ingest/; true when one appeared.</summary>
    private static async Task<bool> WaitForIngestFilesAsync(string ingest)
    {
        var deadline = DateTime.UtcNow + IngestWait;
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.EnumerateFiles(ingest).Any())
            {
                return true;
            }

            await Task.Delay(1);
        }

        return false;
    }

    /// <summary>FindMissing in calls of at most 10,000 blobs, as content.proto asks.</summary>
    private static async Task<HashSet<string>> FindMissingAsync(Content.ContentClient content, byte[][] blobs)
    {
        var missing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in blobs.Chunk(10_000))
        {
            var request = new FindMissingRequest();
            request.Blobs.AddRange(chunk.Select(static blob => new BlobRef { Digest = Digest.Sha256(blob).ToString(), Size = blob.Length }));
            missing.UnionWith((await content.FindMissingAsync(request)).Missing.Select(static blob => blob.Digest));
        }

        return missing;
    }
}
