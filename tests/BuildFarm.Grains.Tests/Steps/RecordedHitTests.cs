using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Grains.Steps;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Grains.Workers;
using BuildFarm.Oci;
using Microsoft.Extensions.DependencyInjection;

namespace BuildFarm.Grains.Tests.Steps;

/// <summary>
/// A recorded step is a hit where its layer is, or where a silo that is up can send it: the claim
/// that finds the record names the layer's holders, so a silo without the layer needs no other call.
/// </summary>
public sealed class RecordedHitTests
{
    [Fact]
    public async Task A_recorded_claim_names_the_silos_its_layer_grain_lists()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 1);
        var layer = Digest.Sha256("layer-held-twice"u8.ToArray());
        var withLayer = await RecordAsync(farm, "with-layer", layer, holders: ["127.0.0.1:1", "127.0.0.1:2"]);
        var withoutLayer = await RecordAsync(farm, "without-layer", layer: null, holders: []);

        var hit = await withLayer.ClaimAsync("asker", reuse: true);
        var layerless = await withoutLayer.ClaimAsync("asker", reuse: true);
        var notReused = await withLayer.ClaimAsync("asker", reuse: false);

        Assert.Equal((StepClaimKind.Recorded, layer.ToString()), (hit.Kind, hit.Result!.LayerDigest));
        Assert.Equal(["127.0.0.1:1", "127.0.0.1:2"], hit.LayerHolders);
        Assert.Equal(StepClaimKind.Recorded, layerless.Kind);
        Assert.Empty(layerless.LayerHolders!);
        Assert.Equal((StepClaimKind.Granted, null), (notReused.Kind, notReused.LayerHolders));
    }

    [Fact]
    public async Task A_hit_whose_layer_another_live_silo_holds_is_used_and_one_only_a_gone_silo_held_runs_again()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 2);
        var (here, there) = (farm.Silos[0], farm.Silos[1]);
        var cache = new GrainStepCache(farm.Grains(here), FarmCluster.NameOf(here), farm.Store(here), here.ServiceProvider.GetRequiredService<ClusterSilos>(), TimeSpan.FromSeconds(30));
        await RecordAsync(farm, "held-by-a-peer", Digest.Sha256("peer-layer"u8.ToArray()), holders: [FarmCluster.NameOf(there)]);
        await RecordAsync(farm, "held-by-a-gone-silo", Digest.Sha256("gone-layer"u8.ToArray()), holders: ["127.0.0.1:1"]);
        var runs = 0;

        async Task<StepOutcome> ResolveAsync(string name)
        {
            var (_, outcome) = await cache.ResolveAsync(
                KeyOf(name),
                after: null,
                reuse: true,
                _ => false, // this silo's store lacks every layer
                _ =>
                {
                    Interlocked.Increment(ref runs);
                    return Task.FromResult(new CachedStep(null, FarmCluster.NameOf(here)));
                },
                new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
            return outcome;
        }

        Assert.Equal(StepOutcome.Cached, await ResolveAsync("held-by-a-peer"));
        Assert.Equal(0, runs);
        Assert.Equal(StepOutcome.Ran, await ResolveAsync("held-by-a-gone-silo"));
        Assert.Equal(1, runs);
    }

    private static Digest KeyOf(string name) => Digest.Sha256(System.Text.Encoding.UTF8.GetBytes(name));

    private static Task<ICacheKeyGrain> RecordAsync(FarmCluster farm, string name, Digest? layer, string[] holders) =>
        RecordedSteps.RecordAsync(farm, KeyOf(name), layer, holders);
}
