using BuildFarm.Oci.Tar;

namespace BuildFarm.Oci.Layers.Internal;

/// <summary>
/// Merges a layer with the changes an overlay upper dir made on top of it into the tar of the
/// changed tree. Both are sorted as <see cref="DirectoryScanner"/> sorts, so one merge pass gives
/// the order a scan of the changed tree would; an entry is re-encoded from the header it was read
/// as, which the writer turns into the same bytes.
/// </summary>
/// <remarks>
/// What the changes remove from the base: what a whiteout names and everything below it, what is
/// below an opaque directory, and what is below a path the changes made something other than a
/// directory (overlayfs hides a lower directory replaced by a file without a whiteout of its own).
/// </remarks>
internal static class LayerPatcher
{
    public static async Task WriteAsync(Stream baseLayer, Stream changes, Stream output, CancellationToken cancellationToken)
    {
        var (removed, cut) = await ScanChangesAsync(changes, cancellationToken).ConfigureAwait(false);
        changes.Position = 0;

        await using var uncompressed = await LayerCompressionStreams.DecompressDetectedAsync(baseLayer, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        await using var baseReader = new TarArchiveReader(uncompressed, leaveOpen: true);
        await using var changeReader = new TarArchiveReader(changes, leaveOpen: true);
        await using var tar = new TarArchiveWriter(output, leaveOpen: true);

        var change = await NextChangeAsync(changeReader, cancellationToken).ConfigureAwait(false);
        while (await baseReader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var key = SortKey(entry);
            if (IsWhiteout(entry) || entry.Kind == TarEntryKind.HardLink)
            {
                throw new NotSupportedException($"The base layer's entry '{entry.Name}' is a whiteout or a hard link: only plain layers can be patched.");
            }

            while (change is not null && Utf8PathComparer.Instance.Compare(SortKey(change), key) < 0)
            {
                await tar.WriteEntryAsync(change, changeReader.Content, cancellationToken).ConfigureAwait(false);
                change = await NextChangeAsync(changeReader, cancellationToken).ConfigureAwait(false);
            }

            if (change is not null && SortKey(change) == key)
            {
                await tar.WriteEntryAsync(change, changeReader.Content, cancellationToken).ConfigureAwait(false);
                change = await NextChangeAsync(changeReader, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!removed.Contains(key) && !IsBelowAny(key, cut))
            {
                await tar.WriteEntryAsync(entry, baseReader.Content, cancellationToken).ConfigureAwait(false);
            }
        }

        while (change is not null)
        {
            await tar.WriteEntryAsync(change, changeReader.Content, cancellationToken).ConfigureAwait(false);
            change = await NextChangeAsync(changeReader, cancellationToken).ConfigureAwait(false);
        }

        await tar.FinishAsync(cancellationToken).ConfigureAwait(false);
    }

    // First pass: the paths whiteouts remove, and the paths whose base descendants go.
    private static async Task<(HashSet<string> Removed, HashSet<string> Cut)> ScanChangesAsync(Stream changes, CancellationToken cancellationToken)
    {
        var removed = new HashSet<string>(StringComparer.Ordinal);
        var cut = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = new TarArchiveReader(changes, leaveOpen: true);
        while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var key = SortKey(entry);
            var slash = key.LastIndexOf('/');
            var (parent, name) = slash < 0 ? (string.Empty, key) : (key[..slash], key[(slash + 1)..]);
            if (name == Whiteouts.OpaqueMarker)
            {
                cut.Add(parent);
            }
            else if (name.StartsWith(Whiteouts.Prefix, StringComparison.Ordinal))
            {
                var hidden = parent.Length == 0 ? name[Whiteouts.Prefix.Length..] : $"{parent}/{name[Whiteouts.Prefix.Length..]}";
                removed.Add(hidden);
                cut.Add(hidden);
            }
            else if (entry.Kind == TarEntryKind.HardLink)
            {
                throw new NotSupportedException($"The changes' entry '{entry.Name}' is a hard link: only plain changes can be patched in.");
            }
            else if (entry.Kind != TarEntryKind.Directory)
            {
                cut.Add(key);
            }
        }

        return (removed, cut);
    }

    // The next entry of the changes that is part of the changed tree (whiteouts and opaque markers are not).
    private static async ValueTask<TarHeader?> NextChangeAsync(TarArchiveReader reader, CancellationToken cancellationToken)
    {
        while (await reader.ReadNextAsync(cancellationToken).ConfigureAwait(false) is { } entry)
        {
            if (!IsWhiteout(entry))
            {
                return entry;
            }
        }

        return null;
    }

    private static bool IsWhiteout(TarHeader entry)
    {
        var key = SortKey(entry);
        return key[(key.LastIndexOf('/') + 1)..].StartsWith(Whiteouts.Prefix, StringComparison.Ordinal);
    }

    private static bool IsBelowAny(string key, HashSet<string> ancestors)
    {
        if (ancestors.Count == 0)
        {
            return false;
        }

        for (var slash = key.LastIndexOf('/'); slash > 0; slash = key.LastIndexOf('/', slash - 1))
        {
            if (ancestors.Contains(key[..slash]))
            {
                return true;
            }
        }

        return ancestors.Contains(string.Empty) && key.Length > 0;
    }

    private static string SortKey(TarHeader entry) => entry.Name.TrimEnd('/');
}
