namespace BuildFarm.Oci.Blobs;

/// <summary>Where blobs are written to, streaming.</summary>
public interface IBlobWriter
{
    ValueTask<bool> ExistsAsync(Digest digest, CancellationToken cancellationToken = default);

    /// <summary>Starts a blob: write its bytes to the upload's stream, then commit it.</summary>
    ValueTask<IBlobUpload> BeginUploadAsync(CancellationToken cancellationToken = default);
}

/// <summary>A blob being written. Disposing it without committing discards what was written.</summary>
public interface IBlobUpload : IAsyncDisposable
{
    Stream Stream { get; }

    /// <summary>
    /// Makes the blob readable under the digest of what was written, and returns that digest.
    /// With <paramref name="expected"/> given, a different digest fails the commit and nothing is stored.
    /// </summary>
    ValueTask<Digest> CommitAsync(Digest? expected = null, CancellationToken cancellationToken = default);
}

/// <summary>A store that can be written and read back (imports need both).</summary>
public interface IBlobStore : IBlobReader, IBlobWriter
{
    /// <summary>One method for both interfaces, so calls through a store are not ambiguous.</summary>
    new ValueTask<bool> ExistsAsync(Digest digest, CancellationToken cancellationToken = default);
}
