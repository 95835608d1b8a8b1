using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Testing.FileTrees;
using static BuildFarm.Testing.FileTrees.FileTreeEntry;

namespace BuildFarm.Execution.Tests.Differential;

/// <summary>
/// The corpus (TestData/differential) built by buildah and by the engine: the unpacked trees
/// (path, type, mode, owner, content, link target; not times) and the configs must be equal, once
/// each documented buildah difference is accounted for.
/// </summary>
[Collection(DifferentialCollection.Name)]
public sealed class DifferentialTests(DifferentialFixture fixture)
{
    /// <summary>
    /// buildah's chroot isolation leaves the mount points of a RUN step in the layer when the
    /// image lacks them: empty files <c>/etc/hosts</c>, <c>/etc/hostname</c>, <c>/etc/resolv.conf</c>
    /// and empty directories <c>/dev</c>, <c>/proc</c>, <c>/sys</c>, <c>/run</c>. BuildKit removes
    /// such stubs after the step (executor/stubs.go), so the engine does. No case makes these paths itself.
    /// </summary>
    private static readonly string[] RunStubs = ["etc/hosts", "etc/hostname", "etc/resolv.conf", "dev", "proc", "sys", "run"];

    public static readonly IReadOnlyList<DifferentialCase> Cases =
    [
        new("copy-dir-contents"),
        new("copy-globs"),
        new("copy-destinations"),
        new("copy-multiple-sources"),
        new("copy-workdir-relative"),
        new("copy-symlink-sources"),
        new("copy-dockerignore"),
        new("chown-ids"),
        new("chown-names"),
        new("chmod-octal") { Differences = [OctalChmodParents("dir-0700", 0b111_000_000), OctalChmodParents("private", 0b110_000_000), OctalChmodParents("setgid-dir", 0b111_111_101)] },
        new("modes-special"),
        new("whiteout-lower"),
        new("whiteout-opaque"),
        new("links-hard"),
        new("links-symbolic"),
        new("arg-scoping"),
        new("arg-build-args")
        {
            BuildArgs = new Dictionary<string, string> { ["OVERRIDDEN"] = "from-cli", ["NAME"] = "other", ["UNDECLARED"] = "nobody" },
            Differences =
            [
                LazyWorkdir(Directory("work-from-cli")),
                new("buildah's RUN history names the build args that have a value, sorted; BuildKit names every ARG "
                    + "of the stage in declaration order, an unset one as NAME= (runCommandString)")
                {
                    Config = config => config.ReplaceRunPrefix(
                        "|3 KEPT=kept-default NAME=other OVERRIDDEN=from-cli ",
                        "|4 OVERRIDDEN=from-cli KEPT=kept-default EMPTY= NAME=other "),
                },
            ],
        },
        new("env-expansion")
        {
            Differences =
            [
                new("buildah moves a variable ENV redefines behind the others when the base image set it; "
                    + "BuildKit replaces it where it is (addEnv), as Docker does")
                {
                    Config = config =>
                    {
                        var path = config.Values.Single(v => v.StartsWith("Env: PATH=", StringComparison.Ordinal));
                        return config with { Values = [path, .. config.Values.Where(v => v != path)] };
                    },
                },
            ],
        },
        new("stage-copy-from"),
        new("stage-target") { Target = "middle" },
        new("stage-unused"),
        new("stage-chain"),
        new("meta-config") { Differences = [LazyWorkdir(Directory("home/user/app", uid: 1000, gid: 1000))] },
        new("meta-workdir-user")
        {
            Differences =
            [
                LazyWorkdir(
                    Directory("a"),
                    Directory("a/b"),
                    Directory("a/b/c"),
                    Directory("home/user/made-by-user/relative", uid: 1000, gid: 1000),
                    Directory("home/user/made-by-user/relative/path", uid: 1000, gid: 1000)),
            ],
        },
        new("meta-entrypoint-cmd")
        {
            Differences =
            [
                new("buildah runs and records shell-form CMD and RUN with /bin/sh -c whatever SHELL says; "
                    + "BuildKit prepends the stage's SHELL (withShell in dispatchCmd and dispatchRun)")
                {
                    Config = config => config
                        .ReplaceValue("Cmd: [\"/bin/sh\",\"-c\",\"echo through the new shell\"]", "Cmd: [\"/bin/sh\",\"-ec\",\"echo through the new shell\"]")
                        .ReplaceRunPrefix("/bin/sh -c ", "/bin/sh -ec "),
                },
            ],
        },
        new("meta-onbuild"),
        new("meta-onbuild-target"),
        new("add-archives"),
        new("multistage-scratch")
        {
            Differences =
            [
                OctalChmodParents("etc", 0b110_100_000),
                OctalChmodParents("etc/app", 0b110_100_000),
            ],
        },
    ];

    // Every case twice: from the context directory, and from the tree a client sends the farm.
    public static TheoryData<string, ContextKind> CaseNames()
    {
        var data = new TheoryData<string, ContextKind>();
        foreach (var @case in Cases)
        {
            data.Add(@case.Name, ContextKind.Directory);
            data.Add(@case.Name, ContextKind.Tree);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Engine_builds_the_image_buildah_builds(string name, ContextKind context)
    {
        var @case = Cases.Single(c => c.Name == name);
        var reference = await fixture.BuildahImageAsync(@case);
        var ours = await fixture.BuildWithEngineAsync(@case.Name, context, @case.BuildArgs, @case.Target);

        var expectedTree = WithoutRunStubs(reference.Tree);

        // Buildah writes WORKDIR's directory into the next step's layer and records WORKDIR as an
        // empty layer; BuildKit makes a layer for WORKDIR itself (dispatchWorkdir's mkdir). So the
        // flag is not compared for WORKDIR; its directory is, in the tree.
        var expectedConfig = ComparableConfig.FromBuildah(reference.Config).WithoutLayerFlag("WORKDIR");
        var actualConfig = ComparableConfig.FromEngine(ours.Config).WithoutLayerFlag("WORKDIR");
        foreach (var difference in @case.Differences)
        {
            expectedTree = difference.Tree(expectedTree);
            expectedConfig = difference.Config(expectedConfig);
        }

        var problems = FileTree.Diff(expectedTree, ours.Tree, "buildah", "engine")
            + ComparableConfig.Diff(expectedConfig, actualConfig, "buildah config", "engine config");
        var applied = string.Concat(@case.Differences.Select(d => $"\n(buildah's tree and config were corrected for: {d.Why})"));
        Assert.True(problems.Length == 0, $"{name}:\n{problems}{applied}");
    }

    /// <summary>
    /// buildah makes a WORKDIR's directory only when a later step of the stage runs in it, and
    /// then as root; BuildKit makes it at the WORKDIR step (dispatchWorkdir's llb.Mkdir with
    /// parents), owned by the USER in effect there.
    /// </summary>
    private static BuildahDifference LazyWorkdir(params FileTreeEntry[] made) =>
        new("buildah makes WORKDIR's directory late, as root; BuildKit at the WORKDIR step, as the USER") { Tree = tree => tree.Overlay(made) };

    /// <summary>
    /// buildah makes the missing parents of a COPY destination 0755; BuildKit (since fsutil#228,
    /// moby/buildkit#4945; Docker 28.1) gives them an octal --chmod's permission bits.
    /// </summary>
    private static BuildahDifference OctalChmodParents(string directory, int permissions) =>
        new("an octal --chmod is also the mode of the directories COPY creates (BuildKit since fsutil#228); buildah makes them 0755")
        {
            Tree = tree => tree.With(directory, entry => entry with { Mode = permissions }),
        };

    private FileTree WithoutRunStubs(FileTree tree) =>
        tree.Without(RunStubs.Where(path => fixture.BaseTree[path] is null && IsEmptyStub(tree, path)));

    private static bool IsEmptyStub(FileTree tree, string path) => tree[path] switch
    {
        { Kind: FileKind.File } file => file.Text == string.Empty,
        { Kind: FileKind.Directory } => !tree.Entries.Any(e => e.Path.StartsWith(path + "/", StringComparison.Ordinal)),
        _ => false,
    };
}
