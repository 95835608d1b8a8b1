using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Layout.Internal;

/// <summary>Every blob an image consists of: indexes, manifests, configs and layers, each once, parents first.</summary>
internal static class ImageGraph
{
    public static async Task<List<Descriptor>> CollectAsync(IBlobReader reader, IEnumerable<Descriptor> roots, CancellationToken cancellationToken)
    {
        var seen = new HashSet<Digest>();
        var result = new List<Descriptor>();
        foreach (var root in roots)
        {
            await VisitAsync(reader, root, seen, result, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    private static async Task VisitAsync(IBlobReader reader, Descriptor descriptor, HashSet<Digest> seen, List<Descriptor> result, CancellationToken cancellationToken)
    {
        if (!seen.Add(descriptor.Digest))
        {
            return;
        }

        result.Add(descriptor);
        if (MediaTypes.IsIndex(descriptor.MediaType))
        {
            var index = ImageIndex.Parse(await reader.ReadDocumentAsync(descriptor, cancellationToken).ConfigureAwait(false));
            foreach (var child in index.Manifests)
            {
                await VisitAsync(reader, child, seen, result, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (MediaTypes.IsManifest(descriptor.MediaType))
        {
            var manifest = ImageManifest.Parse(await reader.ReadDocumentAsync(descriptor, cancellationToken).ConfigureAwait(false));
            foreach (var child in manifest.Layers.Prepend(manifest.Config))
            {
                if (seen.Add(child.Digest))
                {
                    result.Add(child);
                }
            }
        }
        else
        {
            throw new InvalidDataException($"{descriptor.Digest} has the media type '{descriptor.MediaType}', which is neither an image manifest nor an index.");
        }
    }
}
