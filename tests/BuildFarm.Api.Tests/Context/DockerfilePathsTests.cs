using BuildFarm.Api.Tests.TestSupport;
using BuildFarm.Client.Context;
using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Api.Tests.Context;

/// <summary>Only the context paths the Dockerfile reads are sent, where they can be known; otherwise the whole context.</summary>
public sealed class DockerfilePathsTests : IDisposable
{
    private static readonly string[] WholeContext =
    [
        "Dockerfile", "app/", "app/docs/", "app/docs/readme.md", "app/src/", "app/src/lib/", "app/src/lib/util.c", "app/src/main.c",
        "notes.txt", "other/", "other/x", "package.json", "tools/", "tools/gen.sh", "tsconfig.json",
    ];

    private readonly ContextFiles _context = new();

    public DockerfilePathsTests()
    {
        _context.Write(
            ("app/src/main.c", "main"),
            ("app/src/lib/util.c", "util"),
            ("app/docs/readme.md", "docs"),
            ("package.json", "{}"),
            ("tsconfig.json", "{}"),
            ("notes.txt", "notes"),
            ("tools/gen.sh", "#!/bin/sh"),
            ("other/x", "x"));
    }

    public void Dispose() => _context.Dispose();

    [Fact]
    public void Only_COPY_ADD_and_bind_mount_sources_of_needed_stages_are_sent()
    {
        _context.Write(("Dockerfile", """
            FROM scratch AS unused
            COPY other /other
            FROM busybox AS build
            COPY app/src /src
            COPY *.json /cfg/
            RUN --mount=type=bind,source=tools,target=/tools /tools/gen.sh
            ADD https://example.com/archive.tar.gz /downloads/
            FROM scratch
            COPY --from=build /src /src
            """));

        var snapshot = Take();

        Assert.Equal(["/app/src", "/*.json", "/tools"], snapshot.SelectedPaths);
        Assert.Null(snapshot.SelectionFallback);
        Assert.Equal(
            ["Dockerfile", "app/", "app/src/", "app/src/lib/", "app/src/lib/util.c", "app/src/main.c", "package.json", "tools/", "tools/gen.sh", "tsconfig.json"],
            TreeListing.OfSnapshot(snapshot));
    }

    [Fact]
    public void The_target_decides_which_stages_paths_are_read()
    {
        _context.Write(("Dockerfile", "FROM scratch AS docs\nCOPY app/docs /docs\nFROM scratch\nCOPY app/src /src\n"));

        var snapshot = Take(target: "docs");

        Assert.Equal(["Dockerfile", "app/", "app/docs/", "app/docs/readme.md"], TreeListing.OfSnapshot(snapshot));
    }

    [Theory]
    [InlineData("FROM scratch\nCOPY . /app\n", "the Dockerfile reads the whole context (\"/\")")]
    [InlineData("FROM scratch\nRUN --mount=type=bind,target=/src make\n", "the Dockerfile reads the whole context (\"/\")")]
    [InlineData("FROM scratch\nCOPY only-a-source\n", "the Dockerfile could not be planned: Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined")]
    public void The_whole_context_is_sent_when_the_Dockerfile_reads_its_root_or_cannot_be_planned(string dockerfile, string reason)
    {
        _context.Write(("Dockerfile", dockerfile));

        var snapshot = Take();

        Assert.Null(snapshot.SelectedPaths);
        Assert.Equal(reason, snapshot.SelectionFallback);
        Assert.Equal(WholeContext, TreeListing.OfSnapshot(snapshot));
    }

    [Fact]
    public void A_symlink_on_a_read_path_falls_back_to_the_whole_context_and_is_sent_as_a_link()
    {
        _context.Write(("Dockerfile", "FROM scratch\nCOPY current/main.c /\n")).Link("current", "app/src");

        var snapshot = Take();

        Assert.Null(snapshot.SelectedPaths);
        Assert.Equal("the Dockerfile reads through the symlink \"current\", which may lead anywhere in the context", snapshot.SelectionFallback);
        Assert.Equal(WholeContext.Append("current -> app/src").Order(StringComparer.Ordinal), TreeListing.OfSnapshot(snapshot));
    }

    [Fact]
    public void A_symlink_the_Dockerfile_names_inside_a_directory_it_copies_falls_back_too()
    {
        // BuildKit's testCopyFollowAllSymlinks: the second COPY follows app/link out of app.
        _context.Write(("Dockerfile", "FROM scratch\nCOPY app /\nCOPY app/link /x\n")).Link("app/link", "../notes.txt");

        var snapshot = Take();

        Assert.Equal("the Dockerfile reads through the symlink \"app/link\", which may lead anywhere in the context", snapshot.SelectionFallback);
        Assert.Equal(WholeContext.Append("app/link -> ../notes.txt").Order(StringComparer.Ordinal), TreeListing.OfSnapshot(snapshot));
    }

    [Fact]
    public void A_Dockerfile_that_is_a_symlink_is_sent_with_its_target()
    {
        // BuildKit's testSymlinkedDockerfile: the farm reads the Dockerfile through the link.
        _context.Write(("Dockerfile.web", "FROM scratch\nENV foo bar\n")).Link("Dockerfile", "Dockerfile.web");

        var snapshot = Take();

        Assert.Equal(["Dockerfile -> Dockerfile.web", "Dockerfile.web"], TreeListing.OfSnapshot(snapshot));
    }

    [Fact]
    public void What_a_base_images_onbuild_triggers_read_is_sent_too()
    {
        _context.Write(("Dockerfile", "FROM busybox\nCOPY app/src /src\n"));
        var onbuild = new BaseImages(("docker.io/library/busybox:latest", new BaseImageConfig([], "", "", []) { OnBuild = ["COPY notes.txt /x/"] }));

        var snapshot = Take(baseImages: onbuild);

        Assert.Equal(["/notes.txt", "/app/src"], snapshot.SelectedPaths);
        Assert.Equal(["Dockerfile", "app/", "app/src/", "app/src/lib/", "app/src/lib/util.c", "app/src/main.c", "notes.txt"], TreeListing.OfSnapshot(snapshot));
    }

    [Fact]
    public void A_base_image_the_farm_does_not_have_sends_the_whole_context()
    {
        _context.Write(("Dockerfile", "FROM busybox\nCOPY app/src /src\n"));

        var snapshot = Take(baseImages: new BaseImages());

        Assert.Null(snapshot.SelectedPaths);
        Assert.Equal("the farm does not have the base image docker.io/library/busybox:latest, whose ONBUILD triggers may read the context", snapshot.SelectionFallback);
        Assert.Equal(WholeContext, TreeListing.OfSnapshot(snapshot));
    }

    private ContextSnapshot Take(string? target = null, IBaseImageConfigSource? baseImages = null) => ContextSnapshot.Take(new ContextSnapshotOptions
    {
        ContextDirectory = _context.Root,
        Target = target,
        BaseImages = baseImages,
    });

    private sealed class BaseImages(params (string Image, BaseImageConfig Config)[] images) : IBaseImageConfigSource
    {
        public BaseImageConfig? Find(string reference, string platform) => images.FirstOrDefault(image => image.Image == reference).Config;
    }
}
