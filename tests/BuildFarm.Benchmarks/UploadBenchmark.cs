using System.Diagnostics;
using System.Globalization;
using BuildFarm.Benchmarks.Farm;
using BuildFarm.Client.Context;
using Grpc.Net.Client;

namespace BuildFarm.Benchmarks;

/// <summary>
/// Uploads a context of many small files through <see cref="ContextUploader"/> to a real
/// <c>farm server</c> process (a fresh data directory each time), once streaming every blob
/// through Upload (one message and one fsync per blob, as before UploadBatch) and once in
/// UploadBatch calls, and prints files, bytes and seconds of each. The snapshot is taken once,
/// before either, so only the upload is timed.
/// </summary>
public sealed class UploadBenchmark(FarmCli farm, string directory, int files, int fileBytes)
{
    private const int FilesPerDirectory = 100;

    public async Task RunAsync()
    {
        var context = Path.Combine(directory, "context");
        Generate(context);
        var snapshot = ContextSnapshot.Take(new ContextSnapshotOptions { ContextDirectory = context, OnlyPathsTheDockerfileReads = false });
        var bytes = snapshot.Blobs.Sum(static blob => blob.Size);
        Console.WriteLine($"context: {files} files of {fileBytes} bytes, {snapshot.Blobs.Count} blobs (files and directory nodes), {bytes} bytes");
        foreach (var (name, batch) in new[] { ("streamed (Upload)", false), ("batched (UploadBatch)", true) })
        {
            var dataDirectory = Path.Combine(directory, "data-" + (batch ? "batch" : "stream"));
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }

            await using var server = await farm.StartServerAsync(dataDirectory);
            using var channel = GrpcChannel.ForAddress(server.Address);
            var uploader = new ContextUploader(new Api.V1.Content.ContentClient(channel), batchSmallBlobs: batch);
            var watch = Stopwatch.StartNew();
            var result = await uploader.UploadAsync(snapshot);
            watch.Stop();
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{name,-22} files {files}  blobs {result.BlobsStored}  bytes {result.BytesUploaded}  seconds {watch.Elapsed.TotalSeconds:0.000}  (chunks {result.Chunks}, batches {result.Batches})"));
        }
    }

    /// <summary>Writes the files (distinct contents) once; an existing context of the same shape is reused.</summary>
    private void Generate(string context)
    {
        // Beside the context, not in it: the marker would be a blob of the snapshot.
        var marker = Path.Combine(directory, $"context-{files}x{fileBytes}.generated");
        if (File.Exists(marker))
        {
            return;
        }

        if (Directory.Exists(context))
        {
            Directory.Delete(context, recursive: true);
        }

        foreach (var stale in Directory.CreateDirectory(directory).EnumerateFiles("context-*.generated"))
        {
            stale.Delete();
        }

        var random = new XorShift(42);
        var content = new byte[fileBytes];
        for (var i = 0; i < files; i++)
        {
            var subdirectory = Path.Combine(context, (i / FilesPerDirectory).ToString("D4", CultureInfo.InvariantCulture));
            Directory.CreateDirectory(subdirectory);
            random.Fill(content);
            File.WriteAllBytes(Path.Combine(subdirectory, i.ToString("D6", CultureInfo.InvariantCulture) + ".txt"), content);
        }

        File.WriteAllText(marker, string.Empty);
    }
}
