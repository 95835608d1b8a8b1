using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.History.Internal;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Tar;

namespace BuildFarm.Oci.History;

/// <summary>
/// An image's history joined with its layers: each step's layer size, and the bytes each layer
/// wastes on files that later layers delete or overwrite.
/// </summary>
public static class ImageHistory
{
    /// <summary>
    /// Reads every layer once, topmost first, so that what a layer hides of the layers below is
    /// known before those are read.
    /// </summary>
    /// <returns>The steps, oldest first (the config's order).</returns>
    /// <exception cref="BlobNotFoundException">A layer is not in <paramref name="blobs"/>.</exception>
    /// <exception cref="InvalidDataException">A layer is not a tar archive.</exception>
    public static async Task<IReadOnlyList<LayerHistory>> ReadAsync(IBlobReader blobs, ImageManifest manifest, ImageConfig config, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(config);

        var hidden = new HiddenPaths();
        var costs = new (long Size, long Wasted)[manifest.Layers.Count];
        for (var i = manifest.Layers.Count - 1; i >= 0; i--)
        {
            costs[i] = await MeasureAsync(blobs, manifest.Layers[i], hidden, cancellationToken).ConfigureAwait(false);
        }

        return Join(config.History ?? [], manifest.Layers, costs);
    }

    // Pairs history entries with layers in order, as docker does: an entry marked empty_layer has
    // none. Layers the history does not account for (an image written without history) still show.
    private static List<LayerHistory> Join(IReadOnlyList<HistoryEntry> history, IReadOnlyList<Descriptor> layers, (long Size, long Wasted)[] costs)
    {
        var steps = new List<LayerHistory>(Math.Max(history.Count, layers.Count));
        var next = 0;
        foreach (var entry in history)
        {
            if (entry.EmptyLayer || next == layers.Count)
            {
                steps.Add(new LayerHistory(entry, null, 0, 0));
                continue;
            }

            steps.Add(new LayerHistory(entry, layers[next], costs[next].Size, costs[next].Wasted));
            next++;
        }

        for (; next < layers.Count; next++)
        {
            steps.Add(new LayerHistory(new HistoryEntry(), layers[next], costs[next].Size, costs[next].Wasted));
        }

        return steps;
    }

    private static async Task<(long Size, long Wasted)> MeasureAsync(IBlobReader blobs, Descriptor layer, HiddenPaths hiddenAbove, CancellationToken cancellationToken)
    {
        var size = 0L;
        var wasted = 0L;
        var hides = new List<(string Path, HiddenPaths.Cover Cover)>();
        var blob = await blobs.OpenReadAsync(layer.Digest, cancellationToken).ConfigureAwait(false);
        await using (blob.ConfigureAwait(false))
        {
            var tar = new TarArchiveReader(await LayerCompressionStreams.DecompressDetectedAsync(blob, cancellationToken: cancellationToken).ConfigureAwait(false));
            await using (tar.ConfigureAwait(false))
            {
                while (await tar.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } header)
                {
                    var path = LayerPaths.Normalize(header.Name);
                    if (path.Length == 0)
                    {
                        continue;
                    }

                    if (LayerPaths.WhiteoutTarget(path) is { } whiteout)
                    {
                        hides.Add(whiteout);
                        continue;
                    }

                    size += header.Size;
                    if (hiddenAbove.Hides(path))
                    {
                        wasted += header.Size;
                    }

                    // A directory merges with the ones below; anything else replaces what was there, subtree and all.
                    hides.Add((path, header.Kind == TarEntryKind.Directory ? HiddenPaths.Cover.Entry : HiddenPaths.Cover.EntryAndBelow));
                }
            }
        }

        // What this layer hides applies to the layers below it only, never to its own entries.
        foreach (var (path, cover) in hides)
        {
            hiddenAbove.Add(path, cover);
        }

        return (size, wasted);
    }
}
