namespace BuildFarm.Oci.Blobs;

/// <summary>
/// Blobs as files <c>&lt;root&gt;/&lt;algorithm&gt;/&lt;hex&gt;</c>: the layout of an OCI image
/// layout's <c>blobs</c> directory. Uploads go to a temporary file beside their final place and
/// are renamed into it once verified, so a reader never sees a partial blob.
/// </summary>
public sealed class DirectoryBlobStore(string root) : IBlobStore
{
    public string Root { get; } = Path.GetFullPath(root);

    public string PathOf(Digest digest) => Path.Combine(Root, digest.Algorithm, digest.Hex);

    public ValueTask<Stream> OpenReadAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        try
        {
            return ValueTask.FromResult<Stream>(new FileStream(PathOf(digest), FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan));
        }
        catch (FileNotFoundException)
        {
            throw new BlobNotFoundException(digest);
        }
        catch (DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(digest);
        }
    }

    public ValueTask<bool> ExistsAsync(Digest digest, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(File.Exists(PathOf(digest)));

    public ValueTask<IBlobUpload> BeginUploadAsync(CancellationToken cancellationToken = default)
    {
        var directory = Directory.CreateDirectory(Path.Combine(Root, "sha256")).FullName;
        var temporary = Path.Combine(directory, $".upload-{Guid.NewGuid():N}");
        return ValueTask.FromResult<IBlobUpload>(new Upload(this, temporary));
    }

    private sealed class Upload(DirectoryBlobStore store, string temporary) : IBlobUpload
    {
        private readonly DigestingStream _stream = new(new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0));
        private bool _committed;

        public Stream Stream => _stream;

        public async ValueTask<Digest> CommitAsync(Digest? expected = null, CancellationToken cancellationToken = default)
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
            var actual = _stream.Digest;
            if (expected is { } wanted && wanted != actual)
            {
                throw new InvalidDataException($"Blob written as {wanted} has the digest {actual}.");
            }

            File.Move(temporary, store.PathOf(actual), overwrite: true);
            _committed = true;
            return actual;
        }

        public async ValueTask DisposeAsync()
        {
            await _stream.DisposeAsync().ConfigureAwait(false);
            if (!_committed)
            {
                File.Delete(temporary);
            }
        }
    }
}
