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

    public static HashSet<Digest> Mark(ContentStore store, IEnumerable<Descriptor> roots)
    {
        var marked = new HashSet<Digest>();
        var pending = new Stack<Descriptor>(roots);
        while (pending.TryPop(out var descriptor))
        {
            if (!marked.Add(descriptor.Digest))
            {
                continue;
            }

            foreach (var child in ChildrenOf(store, descriptor))
            {
                pending.Push(child);
            }
        }

        return marked;
    }

    private static IEnumerable<Descriptor> ChildrenOf(ContentStore store, Descriptor descriptor)
    {
        var isManifest = MediaTypes.IsManifest(descriptor.MediaType);
        if (!isManifest && !MediaTypes.IsIndex(descriptor.MediaType))
        {
            return [];
        }

        var size = store.GetInfo(descriptor.Digest)?.Size;
        if (size is null or > MaxDocumentBytes)
        {
            return [];
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)size.Value + 1);
        try
        {
            using (var stream = store.Open(descriptor.Digest, countAsUse: false))
            {
                // Reading one byte past the size reaches the end, which is where the stream verifies.
                if (stream.ReadAtLeast(buffer.AsSpan(0, (int)size.Value + 1), (int)size.Value + 1, throwOnEndOfStream: false) != size)
                {
                    return [];
                }
            }

            var json = buffer.AsSpan(0, (int)size.Value);
            if (isManifest)
            {
                var manifest = ImageManifest.Parse(json);
                return [manifest.Config, .. manifest.Layers];
            }

            return ImageIndex.Parse(json).Manifests;
        }
        catch (Exception ex) when (ex is BlobNotFoundException or CorruptBlobException or InvalidDataException)
        {
            return [];
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
