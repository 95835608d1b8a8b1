using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Registry;

/// <summary>
/// Blobs as files <c>&lt;root&gt;/blobs/&lt;algorithm&gt;/&lt;hex&gt;</c> — the blob layout of an OCI
/// image layout, so a layout directory is a source as it is. A blob appears under its name only
/// once it is complete and verified.
/// </summary>
public sealed class DirectoryBlobStore(string root) : IBlobSink, IBlobSource
{
    public string Root { get; } = root;

    public string PathOf(Digest digest) => Path.Combine(Root, "blobs", digest.Algorithm, digest.Hex);

    public ValueTask<bool> ContainsAsync(Digest digest, CancellationToken cancellationToken) =>
        ValueTask.FromResult(File.Exists(PathOf(digest)));

    public async Task WriteAsync(Descriptor descriptor, Stream content, CancellationToken cancellationToken)
    {
        var target = PathOf(descriptor.Digest);
        var directory = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{descriptor.Digest.Hex}.{Guid.NewGuid():N}.partial");
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                await content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }

            // Same digest, same bytes: when another writer got there first, either file will do.
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public Task<Stream> OpenReadAsync(Descriptor descriptor, CancellationToken cancellationToken)
    {
        var path = PathOf(descriptor.Digest);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Blob {descriptor.Digest} is not in {Root}.", path);
        }

        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true));
    }
}
