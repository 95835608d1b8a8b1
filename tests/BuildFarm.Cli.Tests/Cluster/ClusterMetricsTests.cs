using System.Diagnostics;
using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Cluster;

/// <summary>A real Prometheus scraping the three silos: one PromQL query gives the cluster's step counts.</summary>
[Collection(ClusterFarm.Collection)]
public sealed class ClusterMetricsTests(ClusterFarm cluster)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task One_query_over_the_three_silos_sums_the_steps_each_silo_counts()
    {
        await cluster.BuildAsync(cluster.A, cluster.WriteContext("metrics-a", "FROM busybox\nRUN echo a > /a\n"), "metrics-a.json");
        await cluster.BuildAsync(cluster.B, cluster.WriteContext("metrics-b", "FROM busybox\nRUN echo b > /b\n"), "metrics-b.json");
        var scraped = 0.0;
        foreach (var silo in cluster.Silos)
        {
            scraped += ClusterFarm.Sample(await silo.ScrapeMetricsAsync(), "buildfarm_steps_total{outcome=\"run\"}");
        }

        await using var prometheus = await PrometheusServer.StartAsync("buildfarm", cluster.Silos.Select(silo => silo.MetricsAddress));
        var clock = Stopwatch.StartNew();
        (double Up, double Run) seen;
        while ((seen = await QueryAsync(prometheus)) != (3, scraped) && clock.Elapsed < WaitLimit)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        Assert.Equal((3, scraped), seen);
        Assert.True(scraped >= 2, $"the two builds ran {scraped} steps");
    }

    private static async Task<(double Up, double Run)> QueryAsync(PrometheusServer prometheus)
    {
        var up = await prometheus.QueryAsync("sum(up{job=\"buildfarm\"})");
        var steps = await prometheus.QueryAsync("sum by (outcome) (buildfarm_steps_total{job=\"buildfarm\"})");
        return (
            up.Count == 1 ? up[0].Value : 0,
            steps.Where(series => series.Labels.GetValueOrDefault("outcome") == "run").Select(series => series.Value).SingleOrDefault());
    }
}
