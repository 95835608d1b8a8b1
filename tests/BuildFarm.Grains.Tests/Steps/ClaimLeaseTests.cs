using BuildFarm.Execution.Building;
using BuildFarm.Execution.Caching;
using BuildFarm.Grains.Steps;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Oci;

namespace BuildFarm.Grains.Tests.Steps;

/// <summary>A claim to run a step is a lease: one its holder stops renewing is granted again.</summary>
public sealed class ClaimLeaseTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_claim_that_is_not_renewed_is_granted_again_and_its_joiners_are_told_to_claim_again()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 1, claimLease: Lease);
        var grain = farm.Cluster.Client.GetGrain<ICacheKeyGrain>("sha256:" + new string('1', 64));

        var first = await grain.ClaimAsync("dead-silo", reuse: true);
        var joiner = await grain.ClaimAsync("live-silo", reuse: true);
        var wait = await grain.WaitAsync(TimeSpan.FromSeconds(10)); // returns when the lease lapses, long before 10 s
        var again = await grain.ClaimAsync("live-silo", reuse: true);

        Assert.Equal((StepClaimKind.Granted, "dead-silo"), (first.Kind, first.Silo));
        Assert.Equal((StepClaimKind.Running, "dead-silo"), (joiner.Kind, joiner.Silo));
        Assert.Equal(new StepWait(StepWaitKind.Abandoned, null, null, "dead-silo"), wait);
        Assert.Equal((StepClaimKind.Granted, "live-silo"), (again.Kind, again.Silo));
        Assert.NotEqual(first.Token, again.Token);

        // The lost claim can no longer be renewed; its late result is kept (none was recorded),
        // and the new holder's run is left alone.
        Assert.False(await grain.RenewAsync(first.Token!));
        await grain.CompleteAsync(first.Token!, new StepRecordData { Silo = "dead-silo" });
        Assert.True(await grain.RenewAsync(again.Token!));
        var recorded = await grain.ClaimAsync("third-silo", reuse: true);
        Assert.Equal((StepClaimKind.Recorded, "dead-silo"), (recorded.Kind, recorded.Silo));
    }

    [Fact]
    public async Task A_claim_renewed_within_its_lease_stays_with_its_holder()
    {
        // Renewed every sixth of its lease, as a silo renews every third: a renewal may come late
        // by most of a lease (a loaded test machine) and still be in time.
        var lease = TimeSpan.FromSeconds(3);
        await using var farm = await FarmCluster.StartAsync(silos: 1, claimLease: lease);
        var grain = farm.Cluster.Client.GetGrain<ICacheKeyGrain>("sha256:" + new string('2', 64));
        var claim = await grain.ClaimAsync("holder", reuse: true);

        // Two leases' time: never lapses.
        var renewed = new List<bool>();
        for (var i = 0; i < 12; i++)
        {
            await Task.Delay(lease / 6);
            renewed.Add(await grain.RenewAsync(claim.Token!));
        }

        var other = await grain.ClaimAsync("other", reuse: true);
        Assert.Equal(Enumerable.Repeat(true, 12), renewed);
        Assert.Equal((StepClaimKind.Running, "holder"), (other.Kind, other.Silo));
    }

    [Fact]
    public async Task A_build_joining_a_step_whose_runner_died_runs_it_itself_once_the_claim_lapses()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 1, claimLease: Lease);
        var silo = farm.Silos[0];
        var key = Digest.Sha256("joiner-of-a-dead-run"u8.ToArray());
        var dead = await farm.Cluster.Client.GetGrain<ICacheKeyGrain>(key.ToString()).ClaimAsync("dead-silo", reuse: true);
        var cache = new GrainStepCache(farm.Grains(silo), FarmCluster.NameOf(silo), farm.Store(silo), peers: null, Lease);
        var runs = 0;

        var (result, outcome) = await cache.ResolveAsync(
            key,
            after: null,
            reuse: true,
            _ => true,
            _ =>
            {
                Interlocked.Increment(ref runs);
                return Task.FromResult(new CachedStep(null, FarmCluster.NameOf(silo)));
            },
            new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

        Assert.Equal(StepClaimKind.Granted, dead.Kind);
        Assert.Equal((StepOutcome.Ran, 1, FarmCluster.NameOf(silo)), (outcome, runs, result.Worker));
    }
}
