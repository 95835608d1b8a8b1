using BuildFarm.Execution.Caching;
using BuildFarm.Grains.Images;
using BuildFarm.Oci;

namespace BuildFarm.Grains.Layers;

/// <summary>
/// The blobs the cluster needs a replica of: every blob a named image reaches (as recorded with
/// its name) and every layer of a step record that still counts. Blobs of running builds are
/// leased on the silos that run them, whose stores never offer them.
/// </summary>
/// <param name="stepRecords">Where step records are listed.</param>
public sealed class ClusterBlobNeeds(IGrainFactory grains, IReadOnlyList<IStepRecordSet> stepRecords)
{
    public async Task<IReadOnlySet<Digest>> ListAsync(CancellationToken cancellationToken = default)
    {
        var needed = new HashSet<Digest>();
        foreach (var record in await ClusterImageNames.ListRecordsAsync(grains, cancellationToken).ConfigureAwait(false))
        {
            needed.UnionWith(record.Blobs.Select(Digest.Parse));
        }

        foreach (var set in stepRecords)
        {
            needed.UnionWith((await set.ListAsync(cancellationToken).ConfigureAwait(false))
                .Where(static step => step.Layer is not null)
                .Select(static step => step.Layer!.Descriptor.Digest));
        }

        return needed;
    }
}
