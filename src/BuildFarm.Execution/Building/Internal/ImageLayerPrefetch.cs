using BuildFarm.Oci;
using BuildFarm.Storage.Content;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>
/// Brings the layers of a build's image that this silo lacks (hits recorded elsewhere, base
/// layers) from their holders while the build goes on, for a build whose image an export or a
/// push reads once it ends: the transfers overlap the build instead of following it, and the
/// export joins any still under way (a source shares concurrent fetches of one blob).
/// </summary>
internal sealed class ImageLayerPrefetch(ContentStore store, IBlobSource source)
{
    // As many at once as an export fetches.
    private readonly SemaphoreSlim _transfers = new(SourcedBlobAvailability.ParallelFetches);

    public void Add(Digest layer, string? holder)
    {
        if (!store.Exists(layer))
        {
            _ = FetchAsync(layer, holder);
        }
    }

    // Nothing waits on it, and nothing is lost when it fails: the export or push fetches what is
    // still missing and reports what it cannot find.
    private async Task FetchAsync(Digest layer, string? holder)
    {
        await _transfers.WaitAsync().ConfigureAwait(false);
        try
        {
            await source.FetchAsync(store, layer, holder, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
        }
        finally
        {
            _transfers.Release();
        }
    }
}
