using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;
using BuildFarm.Storage.Steps;

namespace BuildFarm.Execution.Caching;

/// <summary>Step results on this machine's disk (<c>&lt;data-dir&gt;/steps/</c>).</summary>
public sealed class LocalStepCache(StepRecordStore records, TimeProvider? timeProvider = null) : IStepCache
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public ValueTask<CachedStep?> FindAsync(Digest key, CancellationToken cancellationToken)
    {
        var record = records.Find(key);
        if (record is null)
        {
            return ValueTask.FromResult<CachedStep?>(null);
        }

        var layer = record.LayerDigest is null
            ? null
            : new LayerBlob(
                new Descriptor { MediaType = record.LayerMediaType!, Digest = Digest.Parse(record.LayerDigest), Size = record.LayerSize },
                Digest.Parse(record.DiffId!),
                record.UncompressedSize);
        return ValueTask.FromResult<CachedStep?>(new CachedStep(layer));
    }

    public ValueTask RecordAsync(Digest key, CachedStep step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        var layer = step.Layer;
        records.Record(key, new StepRecord(
            layer?.Descriptor.Digest.ToString(),
            layer?.Descriptor.MediaType,
            layer?.Descriptor.Size ?? 0,
            layer?.DiffId.ToString(),
            layer?.UncompressedSize ?? 0,
            _time.GetUtcNow()));
        return ValueTask.CompletedTask;
    }
}
