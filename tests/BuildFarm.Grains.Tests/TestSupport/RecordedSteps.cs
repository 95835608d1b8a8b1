using BuildFarm.Grains.Layers;
using BuildFarm.Grains.Steps;
using BuildFarm.Oci;

namespace BuildFarm.Grains.Tests.TestSupport;

/// <summary>Step records made as a run on a silo named "runner" makes them, straight through the grains.</summary>
public static class RecordedSteps
{
    /// <summary>Records <paramref name="key"/>; its layer (none when null) is noted as held by each of <paramref name="holders"/>.</summary>
    public static async Task<ICacheKeyGrain> RecordAsync(FarmCluster farm, Digest key, Digest? layer, IReadOnlyList<string> holders)
    {
        ArgumentNullException.ThrowIfNull(farm);
        ArgumentNullException.ThrowIfNull(holders);
        var grain = farm.Cluster.Client.GetGrain<ICacheKeyGrain>(key.ToString());
        var claim = await grain.ClaimAsync("runner", reuse: true);
        await grain.CompleteAsync(claim.Token!, new StepRecordData
        {
            LayerDigest = layer?.ToString(),
            LayerMediaType = layer is null ? null : "application/vnd.oci.image.layer.v1.tar+gzip",
            LayerSize = layer is null ? 0 : 32,
            DiffId = layer is null ? null : Digest.Sha256("diff"u8.ToArray()).ToString(),
            UncompressedSize = layer is null ? 0 : 1024,
            Silo = "runner",
        });
        if (layer is { } held)
        {
            var info = new LayerInfo { MediaType = "application/vnd.oci.image.layer.v1.tar+gzip", Size = 32, DiffId = Digest.Sha256("diff"u8.ToArray()).ToString() };
            foreach (var holder in holders)
            {
                await farm.Cluster.Client.GetGrain<ILayerGrain>(held.ToString()).RecordAsync(info, holder);
            }
        }

        return grain;
    }
}
