using System.Buffers;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Content;

namespace BuildFarm.Storage.Images.Internal;

/// <summary>
/// Marks every blob reachable from image roots: an index reaches its manifests, a manifest its
/// config and layers. Missing, corrupt or unparsable documents end their branch: what they would
/// reach cannot be known, and the rest of the graph is still kept.
/// </summary>
internal static class ReachableBlobs
{
    // The distribution spec lets registries refuse manifests over 4 MiB; a bigger "manifest" is not one.
    private const int MaxDocumentBytes = 4 * 1024 * 1024;

    /// <param name="withDiffIds">Also read each manifest's config for its diffIDs (eviction needs none).</param>
    public static ImageReach Mark(ContentStore store, IEnumerable<Descriptor> roots, bool withDiffIds)
    {
        var marked = new HashSet<Digest>();
        var diffIds = new HashSet<Digest>();
        var pending = new Stack<Descriptor>(roots);
        while (pending.TryPop(out var descriptor))
        {
            if (!marked.Add(descriptor.Digest))
            {
                continue;
            }

            if (MediaTypes.IsManifest(descriptor.MediaType) && Read(store, descriptor, static json => ImageManifest.Parse(json.Span)) is { } manifest)
            {
                pending.Push(manifest.Config);
                foreach (var layer in manifest.Layers)
                {
                    pending.Push(layer);
                }

                if (withDiffIds && Read(store, manifest.Config, static json => ImageConfig.Parse(json.Span)) is { } config)
                {
                    diffIds.UnionWith(config.RootFs.DiffIds);
                }
            }
            else if (MediaTypes.IsIndex(descriptor.MediaType) && Read(store, descriptor, static json => ImageIndex.Parse(json.Span)) is { } index)
            {
                foreach (var child in index.Manifests)
                {
                    pending.Push(child);
                }
            }
        }

        return new ImageReach(marked, diffIds);
    }

    // Null when the document is missing, too big, corrupt or not what it claims to be.
    private static T? Read<T>(ContentStore store, Descriptor descriptor, Func<ReadOnlyMemory<byte>, T> parse)
        where T : class
    {
        var size = store.GetInfo(descriptor.Digest)?.Size;
        if (size is null or > MaxDocumentBytes)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)size.Value + 1);
        try
        {
            using (var stream = store.Open(descriptor.Digest, countAsUse: false))
            {
                // Reading one byte past the size reaches the end, which is where the stream verifies.
                if (stream.ReadAtLeast(buffer.AsSpan(0, (int)size.Value + 1), (int)size.Value + 1, throwOnEndOfStream: false) != size)
                {
                    return null;
                }
            }

            return parse(buffer.AsMemory(0, (int)size.Value));
        }
        catch (Exception ex) when (ex is BlobNotFoundException or CorruptBlobException or InvalidDataException)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
