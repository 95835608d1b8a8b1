using BuildFarm.Execution.Building;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Oci.Images;
using BuildFarm.Testing;

namespace BuildFarm.Grains.Tests.Blobs;

/// <summary>A build through a silo that lacks the layers its hits recorded, for an image that is exported next.</summary>
public sealed class ExportedImageLayersTests
{
    // The image is its last stage's layers and those of the stage it is built FROM.
    private static readonly IReadOnlyDictionary<string, string> Files = new Dictionary<string, string>
    {
        ["Dockerfile"] = """
            FROM busybox AS base
            RUN echo one > /one
            FROM base
            RUN echo two > /two

            """,
    };

    [Fact]
    public async Task The_image_s_layers_come_to_the_silo_while_an_exported_build_runs_and_none_for_a_build_that_is_not_exported()
    {
        await using var farm = await FarmCluster.StartAsync(silos: 3, slots: 1, replicas: 1);
        var (a, b, c) = (farm.Silos[0], farm.Silos[1], farm.Silos[2]);
        var busybox = await BusyboxImage.GetAsync();
        await busybox.AddToAsync(farm.Store(b), FarmCluster.BusyboxName);
        await busybox.AddToAsync(farm.Store(c), FarmCluster.BusyboxName);
        var cold = await farm.Engine(a).BuildAsync(new BuildRequest { ContextTree = await farm.SendContextAsync(farm.Store(a), Files) });
        // The image's own layers, above busybox's (which every silo holds).
        var image = ImageManifest.Parse(await StoredBlobs.ReadAsync(farm.Store(a), cold.Manifest.Digest)).Layers.Skip(1).Select(layer => layer.Digest).ToList();
        Assert.Equal(2, image.Count);

        // Not exported: every step hits and no layer moves.
        var kept = await farm.Engine(c).BuildAsync(new BuildRequest { ContextTree = await farm.SendContextAsync(farm.Store(c), Files) });
        Assert.Equal(cold.Manifest.Digest, kept.Manifest.Digest);
        Assert.All(kept.Steps.Where(step => step.Layer is not null), step => Assert.Equal(StepOutcome.Cached, step.Outcome));
        Assert.All(image, layer => Assert.False(farm.Store(c).Exists(layer)));

        // Exported: the image's layers are fetched as the build learns them, with nothing asking for them.
        var exported = await farm.Engine(b).BuildAsync(new BuildRequest { ContextTree = await farm.SendContextAsync(farm.Store(b), Files), ImageIsExported = true });
        Assert.Equal(cold.Manifest.Digest, exported.Manifest.Digest);
        Assert.All(exported.Steps.Where(step => step.Layer is not null), step => Assert.Equal(StepOutcome.Cached, step.Outcome));
        for (var wait = 0; wait < 300 && !image.All(farm.Store(b).Exists); wait++)
        {
            await Task.Delay(100);
        }

        Assert.All(image, layer => Assert.True(farm.Store(b).Exists(layer)));
    }
}
