using BuildFarm.Grains.Internal;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Content;
using BuildFarm.Storage.Images;

namespace BuildFarm.Grains.Images;

/// <summary>
/// The cluster's image names, as every silo sees them: each name's <see cref="IImageNameGrain"/>,
/// listed through the <see cref="IImageNameIndexGrain"/>. The silo that changes a name changes
/// its own store's copy too, so that its eviction keeps the image and its builds find it as a base
/// image by name, as on one machine. A name reaches the cluster once the blobs it reaches here are
/// listed and replicated (<see cref="ImageReplication"/>), so any silo can fetch them. Calls a
/// just-died silo interrupts are made again: names are set and read idempotently.
/// </summary>
public sealed class ClusterImageNames(IGrainFactory grains, ContentStore store, ImageReplication? replication = null) : IImageNames
{
    private const int PageSize = 500;

    public async Task<ImageRecord?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        ToImageRecord(await SiloLoss.RetryAsync(grains.GetGrain<IImageNameGrain>(name).GetAsync, cancellationToken).ConfigureAwait(false));

    public async Task<IReadOnlyList<ImageRecord>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await ListRecordsAsync(grains, cancellationToken).ConfigureAwait(false)).Select(static record => ToImageRecord(record)!)];

    public async Task<ImageRecord?> SetAsync(string name, Descriptor target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        // The store's copy first: it refuses what is not an image, before the cluster sees it.
        store.Images.Set(name, target);
        var reached = await ReachAsync(target, cancellationToken).ConfigureAwait(false);
        if (replication is not null)
        {
            await replication.ReplicateAsync(reached, cancellationToken).ConfigureAwait(false);
        }

        var record = ToRecord(name, target, DateTimeOffset.MinValue, reached);
        return ToImageRecord(await SiloLoss.RetryAsync(() => grains.GetGrain<IImageNameGrain>(name).SetAsync(record), cancellationToken).ConfigureAwait(false));
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        var removed = await SiloLoss.RetryAsync(grains.GetGrain<IImageNameGrain>(name).RemoveAsync, cancellationToken).ConfigureAwait(false);
        store.Images.Delete(name);
        return removed;
    }

    /// <summary>Every name's record, a page of the index at a time.</summary>
    public static async Task<List<ImageNameRecord>> ListRecordsAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var index = grains.GetGrain<IImageNameIndexGrain>(0);
        var records = new List<ImageNameRecord>();
        string? after = null;
        do
        {
            var page = await SiloLoss.RetryAsync(() => index.ListAsync(after, PageSize), cancellationToken).ConfigureAwait(false);
            records.AddRange(page.Records);
            after = page.Next;
        }
        while (after is not null);

        return records;
    }

    internal static ImageNameRecord ToRecord(string name, Descriptor target, DateTimeOffset at, IReadOnlyList<string> blobs) => new()
    {
        Name = name,
        Target = DescriptorJson.Serialize(target),
        TargetDigest = target.Digest.ToString(),
        CreatedAt = at,
        UpdatedAt = at,
        Blobs = blobs,
    };

    internal static ImageRecord? ToImageRecord(ImageNameRecord? record) =>
        record is null ? null : new ImageRecord(record.Name, DescriptorJson.Deserialize(record.Target), record.CreatedAt, record.UpdatedAt);

    /// <summary>
    /// What the image reaches, read from this silo's store; a silo that names an image it does not
    /// hold (a tag given elsewhere) takes what another name of the same image recorded.
    /// </summary>
    private async Task<IReadOnlyList<string>> ReachAsync(Descriptor target, CancellationToken cancellationToken)
    {
        if (store.Exists(target.Digest))
        {
            return BlobsReachedFrom(store, target);
        }

        var digest = target.Digest.ToString();
        var sameImage = (await ListRecordsAsync(grains, cancellationToken).ConfigureAwait(false)).FirstOrDefault(record => record.TargetDigest == digest);
        return sameImage?.Blobs ?? [digest];
    }

    internal static IReadOnlyList<string> BlobsReachedFrom(ContentStore store, Descriptor target) =>
        [.. store.Reach(target).Blobs.Select(static digest => digest.ToString()).Order(StringComparer.Ordinal)];
}
