using BuildFarm.Oci.Images;

namespace BuildFarm.Execution.Tests.Differential;

/// <summary>How the two builders' configs are made comparable: only the documented differences go.</summary>
public sealed class ComparableConfigTests
{
    private static readonly HistoryEntry Base = new() { CreatedBy = "deploy/base-images/busybox.sh: BusyBox" };

    [Fact]
    public void Buildah_and_BuildKit_words_for_the_same_steps_compare_equal()
    {
        var buildah = Config(
            new ContainerConfig { Env = ["A=1"], Entrypoint = [], Volumes = new HashSet<string>(), OnBuild = [], Labels = new Dictionary<string, string> { ["io.buildah.version"] = "1.28.2", ["k"] = "v" } },
            Base,
            new HistoryEntry { CreatedBy = "/bin/sh -c #(nop) ENV A=${X}", Comment = "FROM busybox", EmptyLayer = true },
            new HistoryEntry { CreatedBy = "/bin/sh -c #(nop) ONBUILD RUN true", Comment = "FROM 1234", EmptyLayer = true },
            new HistoryEntry { CreatedBy = "|1 X=1 /bin/sh -c echo hi", Comment = "FROM 5678" },
            new HistoryEntry { CreatedBy = "/bin/sh -c #(nop) COPY file:abcd in /dst/ ", Comment = "FROM 9abc" });
        var buildKit = Config(
            new ContainerConfig { Env = ["A=1"], Labels = new Dictionary<string, string> { ["k"] = "v" } },
            Base,
            new HistoryEntry { CreatedBy = "ENV A=1", Comment = "buildkit.dockerfile.v0", EmptyLayer = true },
            new HistoryEntry { CreatedBy = "RUN |1 X=1 /bin/sh -c echo hi # buildkit", Comment = "buildkit.dockerfile.v0" },
            new HistoryEntry { CreatedBy = "COPY a.txt /dst/ # buildkit", Comment = "buildkit.dockerfile.v0" });

        var expected = ComparableConfig.FromBuildah(buildah);
        var actual = ComparableConfig.FromEngine(buildKit);

        Assert.Equal(string.Empty, ComparableConfig.Diff(expected, actual, "buildah", "engine"));
        Assert.Equal(
            "Env: A=1\nLabel: k=v\n"
            + "History: deploy/base-images/busybox.sh: BusyBox (layer)\n"
            + "History: ENV (no layer)\nHistory: RUN |1 X=1 /bin/sh -c echo hi (layer)\nHistory: COPY (layer)",
            actual.ToString());
    }

    [Fact]
    public void A_differing_value_or_layer_flag_is_shown_with_both_configs()
    {
        var buildah = Config(new ContainerConfig { User = "1000", Cmd = ["sh"] }, new HistoryEntry { CreatedBy = "/bin/sh -c #(nop) WORKDIR /w", Comment = "FROM busybox", EmptyLayer = true });
        var buildKit = Config(new ContainerConfig { User = "1000", Cmd = ["bash"] }, new HistoryEntry { CreatedBy = "WORKDIR /w", EmptyLayer = false });

        Assert.Equal(
            "--- buildah\nCmd: [\"sh\"]\nUser: 1000\nHistory: WORKDIR (no layer)\n"
            + "+++ engine\nCmd: [\"bash\"]\nUser: 1000\nHistory: WORKDIR (layer)\nfirst difference: line 1",
            ComparableConfig.Diff(ComparableConfig.FromBuildah(buildah), ComparableConfig.FromEngine(buildKit), "buildah", "engine"));
        Assert.Equal(
            "History: WORKDIR",
            ComparableConfig.FromEngine(buildKit).WithoutLayerFlag("WORKDIR").ToString().Split('\n')[^1]);
    }

    private static ImageConfig Config(ContainerConfig config, params HistoryEntry[] history) =>
        new() { Architecture = "amd64", OS = "linux", Config = config, History = history };
}
