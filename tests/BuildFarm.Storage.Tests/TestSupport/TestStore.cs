using System.Text;
using BuildFarm.Oci;
using BuildFarm.Storage.Content;
using Microsoft.Extensions.Time.Testing;

namespace BuildFarm.Storage.Tests.TestSupport;

/// <summary>A data directory of its own, a fake clock, and the store opened on them.</summary>
internal sealed class TestStore : IDisposable
{
    public static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public TestStore(long maxBytes = 1024 * 1024, long lowWaterBytes = 512 * 1024)
    {
        DataDirectory = Path.Combine(Path.GetTempPath(), "buildfarm-storage-tests", Guid.NewGuid().ToString("N"));
        MaxBytes = maxBytes;
        LowWaterBytes = lowWaterBytes;
        Store = Open();
    }

    public string DataDirectory { get; }

    public long MaxBytes { get; }

    public long LowWaterBytes { get; }

    public FakeTimeProvider Time { get; } = new(Start);

    public ContentStore Store { get; private set; }

    public string BlobsDirectory => Path.Combine(DataDirectory, "blobs", "sha256");

    public string IngestDirectory => Path.Combine(DataDirectory, "blobs", "ingest");

    public string BlobPath(Digest digest) => Path.Combine(BlobsDirectory, digest.Hex);

    public ContentStoreOptions Options => new() { DataDirectory = DataDirectory, MaxBytes = MaxBytes, LowWaterBytes = LowWaterBytes };

    /// <summary>Closes the store and opens it again on the same directory, as a restarted silo would.</summary>
    public void Reopen()
    {
        Store.Dispose();
        Store = Open();
    }

    /// <summary>Stores <paramref name="text"/> as a blob, one minute after the previous write or read.</summary>
    public async Task<Digest> WriteAsync(string text, string? leaseId = null)
    {
        Time.Advance(TimeSpan.FromMinutes(1));
        var bytes = Encoding.UTF8.GetBytes(text);
        var result = await Store.WriteAsync(new MemoryStream(bytes), Digest.Sha256(bytes), bytes.Length, leaseId);
        return result.Blob.Digest;
    }

    /// <summary>Reads a blob to its end (verifying it), one minute after the previous write or read.</summary>
    public async Task<string> ReadAsync(Digest digest)
    {
        Time.Advance(TimeSpan.FromMinutes(1));
        using var stream = Store.OpenRead(digest);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync();
    }

    public string[] FilesIn(string directory) =>
        Directory.Exists(directory) ? [.. Directory.EnumerateFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal)!] : [];

    public void Dispose()
    {
        Store.Dispose();
        Directory.Delete(DataDirectory, recursive: true);
    }

    private ContentStore Open() => ContentStore.Open(Options, Time);
}
