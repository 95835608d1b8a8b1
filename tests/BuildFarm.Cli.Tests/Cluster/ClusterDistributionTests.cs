using BuildFarm.Cli.Tests.EndToEnd;

namespace BuildFarm.Cli.Tests.Cluster;

/// <summary>Builds spread over three real silo processes sharing one Redis.</summary>
public sealed class ClusterDistributionTests(ClusterFarm cluster) : IClassFixture<ClusterFarm>
{
    // Three independent stages for a silo with two slots: each RUN holds its slot three seconds,
    // so the third is placed while the first two run, on another silo.
    private const string ThreeStages = """
        FROM busybox AS a
        RUN sleep 3 && echo a > /a
        FROM busybox AS b
        RUN sleep 3 && echo b > /b
        FROM busybox AS c
        RUN sleep 3 && echo c > /c
        FROM busybox
        COPY --from=a /a /a
        COPY --from=b /b /b
        COPY --from=c /c /c

        """;

    [Fact]
    public async Task Independent_stages_that_outnumber_a_silos_slots_run_on_two_silos_and_the_same_build_through_another_silo_is_all_hits()
    {
        var context = cluster.WriteContext("three-stages", ThreeStages);
        var names = cluster.Silos.Select(silo => silo.SiloName).ToHashSet();

        var (_, cold) = await cluster.BuildAsync(cluster.A, context, "cold.json");
        var (_, warm) = await cluster.BuildAsync(cluster.B, context, "warm.json");

        var runs = cold.Steps.Where(step => step.Name.Contains("RUN sleep", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, runs.Count);
        Assert.All(cold.Steps, step => Assert.False(step.Cached, step.Name));
        Assert.All(cold.Steps, step => Assert.Contains(step.Silo, names));
        Assert.True(runs.Select(step => step.Silo).Distinct().Count() >= 2, string.Join(", ", runs.Select(step => $"{step.Name} on {step.Silo}")));

        // Through B every step is a recorded hit, named after the silo that ran it, and the image is the same.
        Assert.Equal(cold.ManifestDigest, warm.ManifestDigest);
        Assert.Equal(cold.Steps.Select(step => (step.Key, true, step.Silo)), warm.Steps.Select(step => (step.Key, step.Cached, step.Silo)));
    }
}
