using BuildFarm.Oci.Layers;
using BuildFarm.Storage.Pruning;

namespace BuildFarm.Execution.Caching;

/// <summary>
/// Recorded step results as disk usage and pruning see them: the build cache. Its layers are
/// kept by <c>farm prune</c>, so later builds still hit; <c>farm prune --all</c> clears it.
/// </summary>
public interface IStepRecordSet
{
    /// <summary>Every record that still counts as a result (one a build would reuse).</summary>
    Task<IReadOnlyList<RecordedStep>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Forgets every record, so that every step runs again; tells how many records and bytes went.</summary>
    Task<Amount> ClearAsync(CancellationToken cancellationToken = default);
}

/// <summary>One recorded result: the layer the step made (null for none) and the bytes its record takes on disk.</summary>
public sealed record RecordedStep(LayerBlob? Layer, long RecordBytes);
