using Orleans.Concurrency;

namespace BuildFarm.Grains.Images;

/// <summary>
/// One image name, cluster-wide (keyed by the normalised name, or by <c>&lt;none&gt;@digest</c> for an
/// image kept without one). Its single activation orders the changes to the name; each change is
/// also listed in the <see cref="IImageNameIndexGrain"/>. A removed name is remembered as removed,
/// so that a silo that still has it in its own store learns that it is gone rather than bringing it back.
/// </summary>
public interface IImageNameGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<ImageNameRecord?> GetAsync();

    /// <summary>Names the record's target; returns what the name named before, or null.</summary>
    Task<ImageNameRecord?> SetAsync(ImageNameRecord record);

    /// <summary>Removes the name; false when there was none.</summary>
    Task<bool> RemoveAsync();

    /// <summary>
    /// What the cluster says of a name a silo's own store has (when the silo starts): the silo's
    /// record if the cluster never knew the name (it is adopted), null if the name was removed,
    /// else the cluster's record.
    /// </summary>
    Task<ImageNameRecord?> AdoptAsync(ImageNameRecord local);
}
