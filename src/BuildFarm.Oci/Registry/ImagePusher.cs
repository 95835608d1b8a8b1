using System.Collections.Concurrent;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;

namespace BuildFarm.Oci.Registry;

/// <summary>
/// Pushes an image (a manifest, or an index with its manifests) from a blob store (<see cref="IBlobReader"/>)
/// to a repository under any number of tags: every blob once (skipped when the repository has
/// it, mounted when <c>mountFrom</c> has it), child manifests by digest, then the manifest under
/// each tag — a git-SHA tag and <c>latest</c> cost one upload.
/// </summary>
public sealed class ImagePusher(RegistryClient client)
{
    /// <param name="manifest">The manifest or index to push, held by <paramref name="source"/> like any blob.</param>
    /// <param name="tags">Tags to put the manifest under; none pushes it by digest only.</param>
    /// <param name="mountFrom">A repository on the same registry that may hold the blobs already (the base image's).</param>
    public async Task<PushResult> PushAsync(
        RepositoryName repository,
        Descriptor manifest,
        IBlobReader source,
        IReadOnlyList<string> tags,
        RepositoryName? mountFrom = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tags);
        var references = tags.Select(tag => ImageReference.ForTag(repository, tag)).ToList(); // validates every tag before any upload

        var push = new Push(client, repository, source, mountFrom);
        var bytes = await push.PushContentsAsync(manifest, cancellationToken).ConfigureAwait(false);
        if (references.Count == 0)
        {
            references.Add(ImageReference.ForDigest(repository, manifest.Digest));
        }

        foreach (var reference in references)
        {
            await client.PutManifestAsync(repository, reference.ManifestReference, manifest.MediaType, bytes, cancellationToken).ConfigureAwait(false);
        }

        return new PushResult(manifest, references, push.Outcomes);
    }

    /// <summary>The state of one push: which blobs are done, so that each is pushed once.</summary>
    private sealed class Push(RegistryClient client, RepositoryName repository, IBlobReader source, RepositoryName? mountFrom)
    {
        private readonly ConcurrentDictionary<Digest, Lazy<Task<BlobPushOutcome>>> _blobs = new();
        private readonly List<Descriptor> _order = [];

        /// <summary>Each blob once, in the order the manifests name them; valid once every push finished.</summary>
        public IReadOnlyList<PushedBlob> Outcomes => [.. _order.Select(b => new PushedBlob(b, _blobs[b.Digest].Value.Result))];

        /// <summary>Pushes what the manifest or index names and returns its bytes, ready to be put.</summary>
        public async Task<byte[]> PushContentsAsync(Descriptor manifest, CancellationToken cancellationToken)
        {
            var bytes = await source.ReadDocumentAsync(manifest, cancellationToken).ConfigureAwait(false);
            if (MediaTypes.IsIndex(manifest.MediaType))
            {
                foreach (var child in ImageIndex.Parse(bytes).Manifests)
                {
                    var childBytes = await PushContentsAsync(child, cancellationToken).ConfigureAwait(false);
                    await client.PutManifestAsync(repository, child.Digest.ToString(), child.MediaType, childBytes, cancellationToken).ConfigureAwait(false);
                }
            }
            else if (MediaTypes.IsManifest(manifest.MediaType))
            {
                var image = ImageManifest.Parse(bytes);
                var blobs = image.Layers.Prepend(image.Config).Where(static b => !IsForeign(b)).ToList();
                _order.AddRange(blobs.Where(b => _order.TrueForAll(known => known.Digest != b.Digest)).DistinctBy(static b => b.Digest));
                await Parallel.ForEachAsync(
                    blobs,
                    new ParallelOptions { MaxDegreeOfParallelism = client.Options.MaxConcurrentTransfers, CancellationToken = cancellationToken },
                    async (blob, ct) => await PushBlobOnceAsync(blob, ct).ConfigureAwait(false)).ConfigureAwait(false);
            }
            else
            {
                throw new ArgumentException($"Cannot push {manifest.Digest}: '{manifest.MediaType}' is not a manifest or index media type.", nameof(manifest));
            }

            return bytes;
        }

        private Task<BlobPushOutcome> PushBlobOnceAsync(Descriptor blob, CancellationToken cancellationToken) =>
            _blobs.GetOrAdd(blob.Digest, _ => new Lazy<Task<BlobPushOutcome>>(() =>
                client.PushBlobAsync(repository, blob, ct => source.OpenReadAsync(blob.Digest, ct).AsTask(), mountFrom, cancellationToken))).Value;

        // Foreign (non-distributable) layers live at their URLs; registries are not given them.
        private static bool IsForeign(Descriptor blob) =>
            blob.Urls is { Count: > 0 }
            && blob.MediaType is MediaTypes.DockerForeignLayerGzip or MediaTypes.OciNondistributableLayer
                or MediaTypes.OciNondistributableLayerGzip or MediaTypes.OciNondistributableLayerZstd;
    }
}
