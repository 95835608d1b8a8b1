using System.Collections.Concurrent;
using System.Diagnostics;
using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Grains.Steps;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Grains.Workers;
using BuildFarm.Oci;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;

namespace BuildFarm.Grains.Tests.Steps;

/// <summary>
/// A key's grain remembers the keys resolved next after it and hands their records out with its
/// own recorded claim (BuildKit's cache links): a chain of hits costs the silo that resolves it
/// one claim, wherever the chain was first built.
/// </summary>
public sealed class FollowingStepsTests
{
    [Fact]
    public async Task A_recorded_claim_brings_the_recorded_keys_that_followed_it_a_level_at_a_time_each_once_and_none_past_an_unrecorded_key()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 1);
        var (k1, k2, k3, k4, k5) = (Key("levels-1"), Key("levels-2"), Key("levels-3"), Key("levels-4"), Key("levels-5"));
        var layer = Digest.Sha256("levels-layer"u8.ToArray());
        foreach (var key in new[] { k1, k2, k3, k5 })
        {
            await RecordedSteps.RecordAsync(farm, key, key == k3 ? layer : null, holders: ["127.0.0.1:1", "127.0.0.1:2"]);
        }

        // k2 followed k1 and k1 followed k2 (steps that add no layer, in both orders); k4 is not recorded.
        await FollowAsync(farm, (k1, k2), (k2, k3), (k2, k1), (k3, k4), (k4, k5));

        var claim = await farm.Cluster.Client.GetGrain<ICacheKeyGrain>(k1.ToString()).ClaimAsync("asker", reuse: true);

        Assert.Equal(StepClaimKind.Recorded, claim.Kind);
        Assert.Equal([k2.ToString(), k3.ToString()], claim.Following!.Select(step => step.Key));
        Assert.Equal([null, layer.ToString()], claim.Following!.Select(step => step.Result.LayerDigest));
        Assert.Equal([string.Empty, "127.0.0.1:1,127.0.0.1:2"], claim.Following!.Select(step => string.Join(',', step.LayerHolders)));
    }

    [Fact]
    public async Task A_record_made_before_a_prune_is_not_brought_along()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 1);
        var (pruned, recordedSince, after) = (Key("pruned"), Key("recorded-since"), Key("after-prune"));
        await RecordedSteps.RecordAsync(farm, pruned, layer: null, holders: []);
        await farm.Cluster.Client.GetGrain<ICacheGenerationGrain>(0).AdvanceAsync(); // farm prune --all
        await RecordedSteps.RecordAsync(farm, recordedSince, layer: null, holders: []);
        await RecordedSteps.RecordAsync(farm, after, layer: null, holders: []);
        await FollowAsync(farm, (recordedSince, pruned), (recordedSince, after));

        var claim = await farm.Cluster.Client.GetGrain<ICacheKeyGrain>(recordedSince.ToString()).ClaimAsync("asker", reuse: true);

        Assert.Equal([after.ToString()], claim.Following!.Select(step => step.Key));
    }

    [Fact]
    public async Task A_key_keeps_the_four_keys_that_followed_it_last_latest_first_and_a_claim_that_is_no_hit_brings_none()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 1);
        var shared = Key("shared");
        var followers = Enumerable.Range(1, 5).Select(i => Key("follower-" + i)).ToList();
        foreach (var key in followers.Prepend(shared))
        {
            await RecordedSteps.RecordAsync(farm, key, layer: null, holders: []);
        }

        await FollowAsync(farm, [.. followers.Select(follower => (shared, follower)), (shared, followers[1])]);
        var claim = await farm.Cluster.Client.GetGrain<ICacheKeyGrain>(shared.ToString()).ClaimAsync("asker", reuse: true);
        var notReused = await farm.Cluster.Client.GetGrain<ICacheKeyGrain>(shared.ToString()).ClaimAsync("asker", reuse: false);
        var granted = await farm.Cluster.Client.GetGrain<ICacheKeyGrain>(Key("never-recorded").ToString()).ClaimAsync("asker", reuse: true);

        Assert.Equal([followers[1], followers[4], followers[3], followers[2]], claim.Following!.Select(step => Digest.Parse(step.Key)));
        Assert.Equal((StepClaimKind.Granted, null), (notReused.Kind, notReused.Following));
        Assert.Equal((StepClaimKind.Granted, null), (granted.Kind, granted.Following));
    }

    [Fact]
    public async Task A_chain_of_hits_built_on_one_silo_costs_another_silo_one_claim_and_a_followed_record_it_cannot_use_is_claimed_and_run()
    {
        var claims = new ClaimCounter();
        await using var farm = await FarmCluster.StartAsync(silos: 2, configure: silo => silo.AddIncomingGrainCallFilter(claims));
        var (a, b) = (farm.Silos[0], farm.Silos[1]);
        var onA = CacheOn(farm, a);
        var onB = CacheOn(farm, b);
        var chain = Enumerable.Range(1, 4).Select(i => Key("chain-" + i)).ToList();
        var built = new List<CachedStep>();
        for (var i = 0; i < chain.Count; i++)
        {
            var layer = Digest.Sha256(System.Text.Encoding.UTF8.GetBytes("chain-layer-" + i));
            built.Add((await ResolveAsync(onA, chain, i, FarmCluster.NameOf(a), layer, usable: true)).Result);
        }

        await WaitForFollowingAsync(farm, chain[0], count: 3);
        var claimsBefore = chain.Select(claims.Of).ToList();

        var onBResults = new List<(CachedStep Result, StepOutcome Outcome)>();
        for (var i = 0; i < chain.Count; i++)
        {
            onBResults.Add(await ResolveAsync(onB, chain, i, FarmCluster.NameOf(b), layer: null, usable: true));
        }

        Assert.Equal(Enumerable.Repeat(StepOutcome.Cached, 4), onBResults.Select(r => r.Outcome));
        Assert.Equal(built, onBResults.Select(r => r.Result));
        Assert.Equal([1, 0, 0, 0], chain.Select((key, i) => claims.Of(key) - claimsBefore[i]));

        // B's store lacks the second layer, and no silo that is up holds it: B claims it, then runs it.
        claimsBefore = chain.Select(claims.Of).ToList();
        var again = new List<StepOutcome>();
        for (var i = 0; i < chain.Count; i++)
        {
            again.Add((await ResolveAsync(onB, chain, i, FarmCluster.NameOf(b), layer: null, usable: i != 1)).Outcome);
        }

        Assert.Equal([StepOutcome.Cached, StepOutcome.Ran, StepOutcome.Cached, StepOutcome.Cached], again);
        Assert.Equal([1, 2, 1, 0], chain.Select((key, i) => claims.Of(key) - claimsBefore[i]));
    }

    // Resolves chain[index] after chain[index - 1]; a run makes a record of layer (none when null).
    private static Task<(CachedStep Result, StepOutcome Outcome)> ResolveAsync(GrainStepCache cache, List<Digest> chain, int index, string silo, Digest? layer, bool usable) =>
        cache.ResolveAsync(
            chain[index],
            index == 0 ? null : chain[index - 1],
            reuse: true,
            _ => usable,
            _ => Task.FromResult(new CachedStep(layer is null ? null : new Oci.Layers.LayerBlob(new Oci.Images.Descriptor { MediaType = "application/vnd.oci.image.layer.v1.tar+gzip", Digest = layer.Value, Size = 32 }, Digest.Sha256("diff"u8.ToArray()), 1024), silo)),
            new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

    private static GrainStepCache CacheOn(FarmCluster farm, Orleans.TestingHost.InProcessSiloHandle silo) =>
        new(farm.Grains(silo), FarmCluster.NameOf(silo), farm.Store(silo), silo.ServiceProvider.GetRequiredService<ClusterSilos>(), TimeSpan.FromSeconds(30));

    private static Digest Key(string name) => Digest.Sha256(System.Text.Encoding.UTF8.GetBytes("following-steps:" + name));

    private static async Task FollowAsync(FarmCluster farm, params (Digest Key, Digest Next)[] links)
    {
        foreach (var (key, next) in links)
        {
            await farm.Cluster.Client.GetGrain<ICacheKeyGrain>(key.ToString()).FollowedByAsync(next.ToString());
        }
    }

    // The cache notes a key on the one before it without waiting: the claim that should bring the
    // notes is made until it does, for at most 10 s.
    private static async Task WaitForFollowingAsync(FarmCluster farm, Digest key, int count)
    {
        var grain = farm.Cluster.Client.GetGrain<ICacheKeyGrain>(key.ToString());
        var waited = Stopwatch.StartNew();
        while ((await grain.ClaimAsync("asker", reuse: true)).Following?.Count != count && waited.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }
    }

    // Counts the claims each key's grain answers, on every silo.
    private sealed class ClaimCounter : IIncomingGrainCallFilter
    {
        private readonly ConcurrentDictionary<string, int> _claims = new(StringComparer.Ordinal);

        public int Of(Digest key) => _claims.GetValueOrDefault(key.ToString());

        public async Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.Grain is ICacheKeyGrain && context.InterfaceMethod?.Name == nameof(ICacheKeyGrain.ClaimAsync))
            {
                _claims.AddOrUpdate(context.TargetId.Key.ToString()!, 1, (_, count) => count + 1);
            }

            await context.Invoke();
        }
    }
}
