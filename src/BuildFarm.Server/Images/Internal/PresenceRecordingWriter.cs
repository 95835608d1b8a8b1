using System.Collections.Concurrent;
using BuildFarm.Oci;
using BuildFarm.Oci.Blobs;

namespace BuildFarm.Server.Images.Internal;

/// <summary>Remembers which blobs a puller found present, to tell "Already exists" from "Pull complete".</summary>
internal sealed class PresenceRecordingWriter(IBlobWriter inner) : IBlobWriter
{
    private readonly ConcurrentDictionary<Digest, bool> _present = new();

    public bool WasPresent(Digest digest) => _present.ContainsKey(digest);

    public async ValueTask<bool> ExistsAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        var exists = await inner.ExistsAsync(digest, cancellationToken).ConfigureAwait(false);
        if (exists)
        {
            _present.TryAdd(digest, true);
        }

        return exists;
    }

    public ValueTask<IBlobUpload> BeginUploadAsync(CancellationToken cancellationToken = default) => inner.BeginUploadAsync(cancellationToken);
}
