namespace BuildFarm.Cli.Tests.Cluster;

/// <summary>One content-addressed cache over three silos: what one silo built, another serves, fetching the bytes it lacks from its peers.</summary>
[Collection(ClusterFarm.Collection)]
public sealed class ClusterCacheTests(ClusterFarm cluster)
{
    [Fact]
    public async Task Twenty_builds_of_one_Dockerfile_through_three_silos_run_each_step_once_and_agree_on_the_digest()
    {
        var context = cluster.WriteContext("twenty", "FROM busybox\nCOPY seed.txt /seed.txt\nRUN sleep 2 && md5sum /seed.txt > /sum\nRUN wc -c /sum > /size\n", ("seed.txt", Guid.NewGuid().ToString()));
        var before = await StepsRunAsync();

        var builds = Enumerable.Range(0, 20)
            .Select(i => cluster.BuildAsync(cluster.Silos[i % 3], context, $"twenty-{i}.json"))
            .ToList();
        var results = await Task.WhenAll(builds);

        Assert.Single(results.Select(result => result.Metadata.ManifestDigest).Distinct());
        // Each of the three steps ran once in the cluster: every other build hit or joined it.
        Assert.Equal(3, await StepsRunAsync() - before);
        Assert.All(results.SelectMany(result => result.Metadata.Steps).GroupBy(step => step.Key), key => Assert.Single(key.Select(step => step.Silo).Distinct()));
    }

    private async Task<double> StepsRunAsync()
    {
        var total = 0.0;
        foreach (var silo in cluster.Silos)
        {
            total += ClusterFarm.Sample(await silo.ScrapeMetricsAsync(), "buildfarm_steps_total{outcome=\"run\"}");
        }

        return total;
    }
}
