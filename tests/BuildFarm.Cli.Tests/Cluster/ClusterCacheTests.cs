using BuildFarm.Testing;

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
        var context = cluster.WriteContext("emptied", "FROM busybox\nCOPY part.txt /part.txt\nRUN cat /part.txt /part.txt > /twice\n", ("part.txt", part));
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

        Assert.Equal([true, true], warm.Steps.Select(step => step.Cached));
        Assert.Equal(cold.ManifestDigest, warm.ManifestDigest);
        var layout = Directory.CreateDirectory(cluster.Combine("emptied-layout")).FullName;
        await System.Formats.Tar.TarFile.ExtractToDirectoryAsync(archive, layout, overwriteFiles: false);
        var rootfs = await Umoci.UnpackAsync(layout, "docker.io/library/emptied:1", cluster.Combine("emptied-bundle"));
        Assert.Equal(part + part, File.ReadAllText(Path.Combine(rootfs, "twice")));
        Assert.True(File.Exists(Path.Combine(rootfs, "bin", "busybox")), "busybox's layer is missing from the unpacked image");
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
