using BuildFarm.Oci;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Caching;

/// <summary>
/// Where step results are recorded by cache key. On one machine that is the silo's disk
/// (<see cref="LocalStepCache"/>); in a farm it is the cluster-wide record of each key.
/// </summary>
public interface IStepCache
{
    /// <summary>The recorded result of <paramref name="key"/>, or null when none is recorded.</summary>
    ValueTask<CachedStep?> FindAsync(Digest key, CancellationToken cancellationToken);

    /// <summary>Records (or replaces) the result of <paramref name="key"/>.</summary>
    ValueTask RecordAsync(Digest key, CachedStep step, CancellationToken cancellationToken);
}

/// <summary>A step's recorded result: the layer it made, or null when it made none.</summary>
public sealed record CachedStep(LayerBlob? Layer);
