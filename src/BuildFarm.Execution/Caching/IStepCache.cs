using BuildFarm.Execution.Building;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Caching;

/// <summary>
/// Where step results are recorded by cache key, and what makes a step run once for everyone
/// who shares the cache. On one machine that is the silo's disk and memory
/// (<see cref="LocalStepCache"/>); in a farm it is the cluster-wide record of each key.
/// </summary>
public interface IStepCache
{
    /// <summary>
    /// The result of <paramref name="key"/>: the recorded one when <paramref name="reuse"/> allows
    /// it, else the result of a run of the same key already under way (joined), else the result of
    /// <paramref name="run"/>, which is then recorded.
    /// </summary>
    /// <param name="after">
    /// The key resolved before this one in its stage (null for a stage's first step): a cache may
    /// remember which key follows which and hand out a whole chain of records with the claim of
    /// its first, as BuildKit's cache links do, so that a chain of hits costs one lookup.
    /// </param>
    /// <param name="isUsable">Whether a recorded result can still be used (its blobs are still stored).</param>
    Task<(CachedStep Result, StepOutcome Outcome)> ResolveAsync(
        Digest key,
        Digest? after,
        bool reuse,
        Func<CachedStep, bool> isUsable,
        Func<CancellationToken, Task<CachedStep>> run,
        CancellationToken cancellationToken);
}

/// <summary>A step's recorded result: the layer it made (null when it made none) and the worker that ran it.</summary>
public sealed record CachedStep(LayerBlob? Layer, string Worker)
{
    /// <summary>A result from the flat fields a record keeps; a null <paramref name="layerDigest"/> means no layer.</summary>
    public static CachedStep FromRecord(string? layerDigest, string? mediaType, long size, string? diffId, long uncompressedSize, string worker) => new(
        layerDigest is null
            ? null
            : new LayerBlob(
                new Descriptor { MediaType = mediaType!, Digest = Digest.Parse(layerDigest), Size = size },
                Digest.Parse(diffId!),
                uncompressedSize),
        worker);
}
