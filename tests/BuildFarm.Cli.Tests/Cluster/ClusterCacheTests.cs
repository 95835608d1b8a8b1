using System.Globalization;
using System.Text.RegularExpressions;

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

    [Fact]
    public async Task A_build_through_a_silo_whose_data_directory_was_emptied_is_all_hits_and_exports_an_image_umoci_unpacks()
    {
        var part = Guid.NewGuid().ToString();
        // COPY --from makes B checksum files of busybox's layer, which B must fetch first.
        var context = cluster.WriteContext("emptied", "FROM busybox\nCOPY part.txt /part.txt\nRUN cat /part.txt /part.txt > /twice\nCOPY --from=busybox /bin/busybox /copied/busybox\n", ("part.txt", part));
        var (_, cold) = await cluster.BuildAsync(cluster.A, context, "emptied-a.json");

        // B comes back under its name with nothing: no blob, no snapshot, not even busybox.
        await cluster.B.StopAsync();
        try
        {
            Directory.Delete(cluster.DataDirectory(cluster.B), recursive: true);
        }
        finally
        {
            await cluster.B.StartAsync();
        }

        var archive = cluster.Combine("emptied.oci.tar");
        var (_, warm) = await cluster.BuildAsync(cluster.B, context, "emptied-b.json", "-t", "emptied:1", "-o", $"type=oci,dest={archive}");

        Assert.Equal([true, true, true], warm.Steps.Select(step => step.Cached));
        Assert.Equal(cold.ManifestDigest, warm.ManifestDigest);
        var rootfs = await cluster.UnpackAsync(archive, "docker.io/library/emptied:1");
        Assert.Equal(part + part, File.ReadAllText(Path.Combine(rootfs, "twice")));
        Assert.True(File.Exists(Path.Combine(rootfs, "bin", "busybox")), "busybox's layer is missing from the unpacked image");
        Assert.Equal(new FileInfo(Path.Combine(rootfs, "bin", "busybox")).Length, new FileInfo(Path.Combine(rootfs, "copied", "busybox")).Length);
    }

    [Fact]
    public async Task Farm_prune_through_one_silo_keeps_the_cluster_s_build_cache_and_prune_all_removes_every_record_once()
    {
        var context = cluster.WriteContext("prune", "FROM busybox\nCOPY part.txt /part.txt\nRUN cat /part.txt > /copy\n", ("part.txt", Guid.NewGuid().ToString()));
        var before = await BuildCacheRecordsAsync(cluster.B);
        await cluster.BuildAsync(cluster.A, context, "prune-cold.json");
        var built = await BuildCacheRecordsAsync(cluster.B);

        // The records are in Redis, not on any silo's disk: a prune must still find them.
        var prune = await RunCheckedAsync(cluster.C, "prune");
        var (_, afterPrune) = await cluster.BuildAsync(cluster.B, context, "prune-kept.json");
        var pruneAll = await RunCheckedAsync(cluster.C, "prune", "--all");
        var cleared = await BuildCacheRecordsAsync(cluster.A);
        var (_, afterPruneAll) = await cluster.BuildAsync(cluster.B, context, "prune-all.json");

        Assert.Equal(before + 2, built);
        Assert.Matches(@"\nStep records   0 ", prune);
        Assert.Equal([true, true], afterPrune.Steps.Select(step => step.Cached));
        Assert.Matches($@"\nStep records   {built} ", pruneAll);
        Assert.Equal(0, cleared);
        Assert.Equal([false, false], afterPruneAll.Steps.Select(step => step.Cached));
    }

    // The Build Cache row of farm du through a silo: the cluster's step records.
    private async Task<int> BuildCacheRecordsAsync(TestSupport.ServerProcess silo) =>
        int.Parse(Regex.Match(await RunCheckedAsync(silo, "du"), @"^Build Cache\s+(\d+)", RegexOptions.Multiline).Groups[1].Value, CultureInfo.InvariantCulture);

    private async Task<string> RunCheckedAsync(TestSupport.ServerProcess silo, params string[] args)
    {
        var result = await cluster.RunAsync(silo, args);
        Assert.True(result.ExitCode == 0, $"farm {string.Join(' ', args)} through {silo.SiloName} exited with {result.ExitCode}:\n{result.Error}\n{cluster.Logs()}");
        return result.Output;
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
