using BuildFarm.Api.Tests.TestSupport;
using BuildFarm.Client.Context;

namespace BuildFarm.Api.Tests.Context;

/// <summary>What .dockerignore keeps out of a snapshot, what its exceptions bring back, and which ignore file applies.</summary>
public sealed class DockerIgnoreTests : IDisposable
{
    private readonly ContextFiles _context = new();

    public void Dispose() => _context.Dispose();

    [Fact]
    public void Ignored_paths_are_left_out_and_exceptions_bring_back_paths_below_an_ignored_directory()
    {
        _context.Write(
            ("Dockerfile", "FROM scratch\nCOPY . /\n"),
            (".dockerignore", "# build output\n*.log\nbuild\n!build/keep.txt\nsecret/\nnode_modules\n"),
            ("app.c", "app"),
            ("debug.log", "log"),
            ("sub/trace.log", "only the top-level *.log is ignored"),
            ("build/out.o", "o"),
            ("build/keep.txt", "kept"),
            ("build/deep/x.o", "o"),
            ("secret/key", "k"),
            ("node_modules/pkg/index.js", "js"),
            ("src/main.c", "main"));

        var snapshot = Take();

        Assert.Equal(
            [".dockerignore", "Dockerfile", "app.c", "build/", "build/keep.txt", "src/", "src/main.c", "sub/", "sub/trace.log"],
            TreeListing.OfSnapshot(snapshot));
        Assert.Equal(6, snapshot.Files);
    }

    [Fact]
    public void The_Dockerfiles_own_ignore_file_takes_precedence_over_the_context_one()
    {
        _context.Write(
            ("app.Dockerfile", "FROM scratch\nCOPY . /\n"),
            ("app.Dockerfile.dockerignore", "*.txt\n"),
            (".dockerignore", "*.c\n"),
            ("main.c", "main"),
            ("notes.txt", "notes"));

        var snapshot = Take("app.Dockerfile");

        Assert.Equal([".dockerignore", "app.Dockerfile", "app.Dockerfile.dockerignore", "main.c"], TreeListing.OfSnapshot(snapshot));
    }

    [Fact]
    public void The_Dockerfile_and_the_ignore_file_are_sent_even_when_ignored()
    {
        _context.Write(
            ("docker/Dockerfile", "FROM scratch\nCOPY . /\n"),
            (".dockerignore", "*\n!src\n"),
            ("docker/other", "other"),
            ("src/a.c", "a"),
            ("b.c", "b"));

        var snapshot = Take("docker/Dockerfile");

        Assert.Equal([".dockerignore", "docker/", "docker/Dockerfile", "src/", "src/a.c"], TreeListing.OfSnapshot(snapshot));
        Assert.Equal("docker/Dockerfile", snapshot.DockerfileInContext);
    }

    [Fact]
    public void A_malformed_ignore_file_is_an_error_naming_its_line()
    {
        _context.Write(("Dockerfile", "FROM scratch\n"), (".dockerignore", "ok\n!\n"));

        var error = Assert.Throws<BuildFarm.Dockerfile.DockerfileException>(() => Take());

        Assert.Equal($"{_context.PathOf(".dockerignore")}:2: illegal exclusion pattern: \"!\"", error.Message);
    }

    private ContextSnapshot Take(string dockerfile = "Dockerfile") => ContextSnapshot.Take(new ContextSnapshotOptions
    {
        ContextDirectory = _context.Root,
        DockerfilePath = _context.PathOf(dockerfile),
    });
}
