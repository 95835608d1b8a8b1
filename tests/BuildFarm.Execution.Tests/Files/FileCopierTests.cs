using BuildFarm.Execution.Files;
using BuildFarm.Execution.Sources;
using BuildFarm.Execution.Tests.Sources;

namespace BuildFarm.Execution.Tests.Files;

public sealed class FileCopierTests : IDisposable
{
    private readonly CopyScene _scene = new("copy");

    public void Dispose() => _scene.Dispose();

    private string[] Listing => _scene.Listing;

    private Task CopyAsync(string destination, params string[] sources) => _scene.CopyAsync(destination, sources);

    private Task CopyAsync(CopyRequest request) => _scene.CopyAsync(request);

    private void Write(params (string Path, string Text)[] files) => TreeBuilder.Write(_scene.Context, files);

    [Fact]
    public async Task A_directory_source_copies_its_contents_into_a_destination_created_with_its_parents()
    {
        Write(("app/main.c", "int main;"), ("app/lib/util.c", "util"), ("app/empty/", ""));
        await CopyAsync("/srv/code", "app");
        Assert.Equal(
            [
                "/srv d 0755 0:0",
                "/srv/code d 0755 0:0",
                "/srv/code/empty d 0755 0:0",
                "/srv/code/lib d 0755 0:0",
                "/srv/code/lib/util.c f 0644 0:0 util",
                "/srv/code/main.c f 0644 0:0 int main;",
            ],
            Listing);
    }

    [Fact]
    public async Task A_file_goes_inside_a_destination_ending_in_a_slash_or_an_existing_directory_and_otherwise_becomes_it()
    {
        Write(("a.txt", "A"));
        Directory.CreateDirectory(Path.Combine(_scene.Root, "existing"));
        await CopyAsync("/into/", "a.txt");
        await CopyAsync("/renamed", "a.txt");
        await CopyAsync("/existing", "a.txt");
        Assert.Equal(
            [
                "/existing d 0755 0:0",
                "/existing/a.txt f 0644 0:0 A",
                "/into d 0755 0:0",
                "/into/a.txt f 0644 0:0 A",
                "/renamed f 0644 0:0 A",
            ],
            Listing);
    }

    [Fact]
    public async Task Several_sources_need_a_directory_destination()
    {
        Write(("a.txt", "A"), ("b.txt", "B"));
        var error = await Assert.ThrowsAsync<FileCopyException>(() => CopyAsync("/dst", "a.txt", "b.txt"));
        Assert.Equal("When using COPY with more than one source file, the destination must be a directory and end with a /", error.Message);
        var wildcard = await Assert.ThrowsAsync<FileCopyException>(() => CopyAsync("/dst", "*.txt"));
        Assert.Equal(error.Message, wildcard.Message);
        Assert.Empty(Listing);

        await CopyAsync("/dst/", "*.txt");
        Directory.CreateDirectory(Path.Combine(_scene.Root, "other"));
        await CopyAsync("/other", "a.txt", "b.txt");
        Assert.Equal(
            [
                "/dst d 0755 0:0", "/dst/a.txt f 0644 0:0 A", "/dst/b.txt f 0644 0:0 B",
                "/other d 0755 0:0", "/other/a.txt f 0644 0:0 A", "/other/b.txt f 0644 0:0 B",
            ],
            Listing);
    }

    [Fact]
    public async Task Several_directories_merge_their_contents_into_a_new_destination_and_a_file_among_them_is_refused()
    {
        Write(("lib1/x", "1"), ("lib2/y", "2"), ("a.txt", "A"));
        await CopyAsync("/merged", "lib?");
        var mixed = await Assert.ThrowsAsync<FileCopyException>(() => CopyAsync("/mixed", "lib1", "a.txt"));
        Assert.Equal("When using COPY with more than one source file, the destination must be a directory and end with a /", mixed.Message);
        Assert.Equal(["/merged d 0755 0:0", "/merged/x f 0644 0:0 1", "/merged/y f 0644 0:0 2"], Listing);
    }

    [Fact]
    public async Task Wildcards_copy_each_match_by_its_name_and_a_wildcard_that_matches_nothing_copies_nothing()
    {
        Write(("src/a.c", "a"), ("src/b.c", "b"), ("src/c.h", "h"), ("lib1/x", "1"), ("lib2/y", "2"));
        await CopyAsync("/out/", "src/*.c", "lib?", "none*");
        Assert.Equal(
            ["/out d 0755 0:0", "/out/a.c f 0644 0:0 a", "/out/b.c f 0644 0:0 b", "/out/x f 0644 0:0 1", "/out/y f 0644 0:0 2"],
            Listing);
    }

    [Fact]
    public async Task A_missing_source_is_an_error_naming_it()
    {
        var error = await Assert.ThrowsAsync<SourceNotFoundException>(() => CopyAsync("/dst/", "nothing/here.txt"));
        Assert.Equal("failed to compute cache key: \"nothing/here.txt\": not found", error.Message);
    }

    [Fact]
    public async Task Modes_special_bits_times_empty_directories_and_capabilities_are_kept()
    {
        Write(("bin/tool", "x"), ("bin/suid", "s"), ("data/", ""));
        TreeListing.Run("chmod", "750", Path.Combine(_scene.Context, "bin/tool"));
        TreeListing.Run("chmod", "4755", Path.Combine(_scene.Context, "bin/suid"));
        TreeListing.Run("chmod", "1777", Path.Combine(_scene.Context, "data"));
        TreeBuilder.SetCapability(Path.Combine(_scene.Context, "bin/tool"), "cap_net_raw+ep");
        TreeListing.Run("touch", "-h", "-d", "@1000000000", Path.Combine(_scene.Context, "bin/tool"));
        TreeListing.Run("touch", "-h", "-d", "@1200000000", Path.Combine(_scene.Context, "bin"));

        await CopyAsync("/", ".");
        Assert.Equal(
            ["/bin d 0755 0:0", "/bin/suid f 4755 0:0 s", "/bin/tool f 0750 0:0 x", "/data d 1777 0:0"],
            Listing);
        Assert.Equal(1000000000, TreeListing.Status(Path.Combine(_scene.Root, "bin/tool")).MTime);
        Assert.Equal(1200000000, TreeListing.Status(Path.Combine(_scene.Root, "bin")).MTime);
        Assert.Equal($"{_scene.Root}/bin/tool cap_net_raw=ep", TreeListing.Run("getcap", Path.Combine(_scene.Root, "bin/tool")));
    }

    [Fact]
    public async Task Context_files_are_owned_by_root_and_a_stage_keeps_its_owners()
    {
        Write(("app/own.txt", "o"));
        TreeBuilder.Chown(Path.Combine(_scene.Context, "app/own.txt"), 1234, 5678);
        TreeBuilder.Chown(Path.Combine(_scene.Context, "app"), 1234, 5678);

        await CopyAsync("/ctx/", "app");
        await CopyAsync(new CopyRequest
        {
            Sources = ["/app"],
            Destination = "/stage/",
            Source = SourceTree.ForRootFileSystem(_scene.Context, new FileDigestCache()),
        });
        Assert.Equal(
            [
                "/ctx d 0755 0:0", "/ctx/own.txt f 0644 0:0 o",
                "/stage d 0755 0:0", "/stage/own.txt f 0644 1234:5678 o",
            ],
            Listing);
    }

    [Fact]
    public async Task Symlinks_are_copied_as_links_but_a_source_named_by_the_user_is_followed()
    {
        Write(("real.txt", "R"), ("dir/file", "F"));
        TreeBuilder.Link(_scene.Context, "link", "real.txt");
        TreeBuilder.Link(_scene.Context, "dir/abs", "/etc/passwd");
        TreeBuilder.Link(_scene.Context, "dirlink", "dir");

        await CopyAsync("/a/", "link");
        await CopyAsync("/b/", "dirlink");
        Assert.Equal(
            [
                "/a d 0755 0:0", "/a/link f 0644 0:0 R",
                "/b d 0755 0:0", "/b/abs l 0:0 -> /etc/passwd", "/b/file f 0644 0:0 F",
            ],
            Listing);
    }

    [Fact]
    public async Task Nothing_outside_the_source_root_is_read_whatever_links_or_dots_say()
    {
        var secret = _scene.Temp.Combine("secret.txt");
        File.WriteAllText(secret, "host secret");
        TreeBuilder.Link(_scene.Context, "escape", "../secret.txt");
        TreeBuilder.Link(_scene.Context, "absolute", "/secret.txt");
        TreeBuilder.Link(_scene.Context, "host", secret);
        Write(("secret.txt", "context's own"));

        var error = await Assert.ThrowsAsync<SourceNotFoundException>(() => CopyAsync("/out/", "host"));
        Assert.Equal("failed to compute cache key: \"host\": not found", error.Message);
        await CopyAsync("/out/", "escape", "absolute", "../../secret.txt");
        var mine = "context's own";
        Assert.Equal(
            ["/out d 0755 0:0", $"/out/absolute f 0644 0:0 {mine}", $"/out/escape f 0644 0:0 {mine}", $"/out/secret.txt f 0644 0:0 {mine}"],
            Listing.Where(line => line.StartsWith("/out", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public async Task The_destination_resolves_inside_the_root_through_its_links_and_dots()
    {
        Write(("a.txt", "A"));
        Directory.CreateDirectory(Path.Combine(_scene.Root, "opt"));
        Directory.CreateDirectory(Path.Combine(_scene.Root, "usr"));
        File.CreateSymbolicLink(Path.Combine(_scene.Root, "usr/local"), "/opt");
        File.CreateSymbolicLink(Path.Combine(_scene.Root, "etc"), "/tmp/../..");
        var outside = _scene.Temp.CreateDirectory("outside");
        File.CreateSymbolicLink(Path.Combine(_scene.Root, "host"), outside);

        await CopyAsync("/usr/local/bin/", "a.txt");
        await CopyAsync("/../../etc/escaped.txt", "a.txt");
        await CopyAsync("/host/x.txt", "a.txt");
        Assert.Empty(Directory.EnumerateFileSystemEntries(outside));
        Assert.Equal("A", File.ReadAllText(Path.Join(_scene.Root, outside, "x.txt")));
        Assert.Equal(
            [
                "/escaped.txt f 0644 0:0 A",
                "/etc l 0:0 -> /tmp/../..",
                $"/host l 0:0 -> {outside}",
                "/opt d 0755 0:0", "/opt/bin d 0755 0:0", "/opt/bin/a.txt f 0644 0:0 A",
                "/usr d 0755 0:0", "/usr/local l 0:0 -> /opt",
            ],
            Listing.Where(line => !line.StartsWith("/tmp", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public async Task A_destination_through_a_file_or_a_link_loop_is_an_error_naming_it()
    {
        Write(("a.txt", "A"));
        File.WriteAllText(Path.Combine(_scene.Root, "file"), "f");
        File.CreateSymbolicLink(Path.Combine(_scene.Root, "loop"), "/loop");

        var throughFile = await Assert.ThrowsAsync<FileCopyException>(() => CopyAsync("/file/x/", "a.txt"));
        Assert.Equal("Cannot resolve \"/file/x/\": /file is not a directory.", throughFile.Message);
        var intoFile = await Assert.ThrowsAsync<FileCopyException>(() => CopyAsync("/file/", "a.txt"));
        Assert.Equal("mkdir /file: not a directory", intoFile.Message);
        var loop = await Assert.ThrowsAsync<FileCopyException>(() => CopyAsync("/loop/a.txt", "a.txt"));
        Assert.Equal("Cannot resolve \"/loop/\": too many levels of symbolic links.", loop.Message);
    }
}
