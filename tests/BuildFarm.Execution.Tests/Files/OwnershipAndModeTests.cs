using BuildFarm.Execution.Files;
using BuildFarm.Execution.Sources;
using BuildFarm.Execution.Tests.Sources;

namespace BuildFarm.Execution.Tests.Files;

public sealed class OwnershipAndModeTests : IDisposable
{
    private readonly CopyScene _scene = new("copy-owner");

    public OwnershipAndModeTests()
    {
        TreeBuilder.Write(_scene.Context, ("app/run.sh", "sh"), ("app/data.txt", "d"), ("app/sub/", ""));
        TreeListing.Run("chmod", "755", Path.Combine(_scene.Context, "app/run.sh"));
        TreeListing.Run("chmod", "640", Path.Combine(_scene.Context, "app/data.txt"));
        TreeListing.Run("chmod", "700", Path.Combine(_scene.Context, "app/sub"));
        TreeBuilder.Write(
            _scene.Root,
            ("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n"),
            ("etc/group", "root:x:0:\nstaff:x:50:app\napp:x:1001:\n"));
    }

    public void Dispose() => _scene.Dispose();

    private Task CopyAsync(string? chown = null, string? chmod = null, string destination = "/dst/") =>
        _scene.CopyAsync(_scene.Request(destination, "app") with { Chown = chown, Chmod = chmod });

    private string[] Copied => _scene.Listing.Where(line => !line.StartsWith("/etc", StringComparison.Ordinal)).ToArray();

    [Theory]
    [InlineData("1000", "1000:1000")]
    [InlineData("1000:50", "1000:50")]
    [InlineData("app", "1000:1001")]
    [InlineData("app:staff", "1000:50")]
    [InlineData("2000:staff", "2000:50")]
    [InlineData("root", "0:0")]
    public async Task Chown_gives_every_copied_entry_and_created_directory_its_owner(string chown, string owner)
    {
        await CopyAsync(chown, destination: "/new/dst/");
        Assert.Equal(
            [
                $"/new d 0755 {owner}", $"/new/dst d 0755 {owner}",
                $"/new/dst/data.txt f 0640 {owner} d", $"/new/dst/run.sh f 0755 {owner} sh", $"/new/dst/sub d 0700 {owner}",
            ],
            Copied);
    }

    [Theory]
    [InlineData("nobody", "invalid --chown=nobody: unable to find user nobody: no matching entries in passwd file (looked up in /etc/passwd and /etc/group of the destination)")]
    [InlineData("app:wheel", "invalid --chown=app:wheel: unable to find group wheel: no matching entries in group file (looked up in /etc/passwd and /etc/group of the destination)")]
    [InlineData("99999999999", "invalid --chown=99999999999: user or group id '99999999999' is out of range (looked up in /etc/passwd and /etc/group of the destination)")]
    public async Task An_unknown_chown_name_is_an_error_naming_it(string chown, string message)
    {
        var error = await Assert.ThrowsAsync<FileCopyException>(() => CopyAsync(chown));
        Assert.Equal(message, error.Message);
        Assert.Empty(Copied);
    }

    [Fact]
    public async Task An_octal_chmod_sets_every_entry_and_the_created_directories()
    {
        await CopyAsync(chmod: "4750", destination: "/made/dst/");
        Assert.Equal(
            [
                "/made d 0750 0:0", "/made/dst d 0750 0:0",
                "/made/dst/data.txt f 4750 0:0 d", "/made/dst/run.sh f 4750 0:0 sh", "/made/dst/sub d 4750 0:0",
            ],
            Copied);
    }

    [Theory]
    [InlineData("u+x,g-w", "0740", "0755", "0700")]
    [InlineData("a+X", "0640", "0755", "0711")]
    [InlineData("a=rX", "0444", "0444", "0444")] // setmode honours X only after +
    [InlineData("go=u-w", "0644", "0755", "0755")]
    [InlineData("o+t,g+s,+t", "3640", "3755", "3700")] // t counts only for u, g or all
    [InlineData("=", "0000", "0000", "0000")]
    public async Task A_symbolic_chmod_changes_each_entrys_own_bits_as_bsd_setmode_and_created_directories_get_0755(string chmod, string data, string run, string sub)
    {
        await CopyAsync(chmod: chmod, destination: "/made/");
        Assert.Equal(
            ["/made d 0755 0:0", $"/made/data.txt f {data} 0:0 d", $"/made/run.sh f {run} 0:0 sh", $"/made/sub d {sub} 0:0"],
            Copied);
    }

    [Theory]
    [InlineData("8", "invalid chmod parameter: '8'. it should be octal string and between 0 and 07777")]
    [InlineData("17777", "invalid chmod parameter: '17777'. it should be octal string and between 0 and 07777")]
    [InlineData("u+q", "invalid chmod parameter: 'u+q'. it should be an octal mode between 0 and 07777 or a symbolic mode such as u+x,g-w or a=rX")]
    [InlineData("u+x,", "invalid chmod parameter: 'u+x,'. it should be an octal mode between 0 and 07777 or a symbolic mode such as u+x,g-w or a=rX")]
    public async Task A_bad_chmod_is_an_error_naming_it(string chmod, string message)
    {
        var error = await Assert.ThrowsAsync<FileCopyException>(() => CopyAsync(chmod: chmod));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public async Task A_directory_copied_to_a_new_path_is_made_as_root_0755_with_only_the_source_time_and_an_existing_one_keeps_its_own()
    {
        // A stage's files (COPY --from): owners count, unlike the context's.
        TreeBuilder.Write(_scene.Context, ("stage/dir/sub/nested", "n"));
        var directory = Path.Combine(_scene.Context, "stage/dir");
        TreeBuilder.Chown(directory, 100, 200);
        TreeBuilder.Chown(Path.Combine(directory, "sub"), 101, 201);
        TreeBuilder.Chown(Path.Combine(directory, "sub/nested"), 102, 202);
        TreeListing.Run("chmod", "700", directory);
        var time = new DateTime(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);
        Directory.SetLastWriteTimeUtc(directory, time);
        TreeBuilder.Write(_scene.Root, ("existing/", ""));
        TreeBuilder.Chown(Path.Combine(_scene.Root, "existing"), 500, 600);
        Task CopyFromStageAsync(string destination, string? chown = null, string? chmod = null) => _scene.CopyAsync(
            _scene.Request(destination, "stage/dir") with { Source = SourceTree.ForRootFileSystem(_scene.Context, new FileDigestCache()), Chown = chown, Chmod = chmod });

        await CopyFromStageAsync("/new");
        await CopyFromStageAsync("/existing");
        await CopyFromStageAsync("/chowned/", chown: "300:400");
        await CopyFromStageAsync("/chmodded", chmod: "750");

        Assert.Equal(
            [
                "/chmodded d 0750 0:0", "/chmodded/sub d 0750 101:201", "/chmodded/sub/nested f 0750 102:202 n",
                "/chowned d 0755 300:400", "/chowned/sub d 0755 300:400", "/chowned/sub/nested f 0644 300:400 n",
                "/existing d 0755 500:600", "/existing/sub d 0755 101:201", "/existing/sub/nested f 0644 102:202 n",
                "/new d 0755 0:0", "/new/sub d 0755 101:201", "/new/sub/nested f 0644 102:202 n",
            ],
            Copied);
        Assert.Equal(time, Directory.GetLastWriteTimeUtc(Path.Combine(_scene.Root, "new")));
        Assert.Equal(time, Directory.GetLastWriteTimeUtc(Path.Combine(_scene.Root, "existing")));
    }
}
