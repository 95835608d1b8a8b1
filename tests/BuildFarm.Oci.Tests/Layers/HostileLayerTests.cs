using BuildFarm.Oci.Layers;
using BuildFarm.Oci.Tar;
using BuildFarm.Oci.Tests.TestSupport;
using static BuildFarm.Oci.Tests.TestSupport.TarTestExtensions;

namespace BuildFarm.Oci.Tests.Layers;

/// <summary>
/// Layers built to escape the root. Paths resolve as inside a container of the image (an absolute
/// symlink target starts at the root, as containerd and Docker resolve it), so each attack either
/// fails with an error naming the entry or lands inside the root; nothing outside is ever touched.
/// </summary>
public sealed class HostileLayerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _root;
    private readonly string _outside;

    public HostileLayerTests()
    {
        _root = _dir.CreateDirectory("root");
        _outside = _dir.CreateDirectory("outside");
        File.WriteAllText(Path.Combine(_outside, "victim"), "original");
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>Everything under the temp dir but outside the root, to show it is unchanged.</summary>
    private string OutsideState() =>
        Tools.Run("find", [".", "-path", "./root", "-prune", "-o", "-printf", "%p %y %s %m\\n"], _dir.Path) + File.ReadAllText(Path.Combine(_outside, "victim"));

    private async Task<Exception?> ApplyAsync(LayerApplyMode mode, params (TarHeader, string?)[] entries)
    {
        var before = OutsideState();
        var passwd = await File.ReadAllBytesAsync("/etc/passwd");
        var error = await Record.ExceptionAsync(async () => await LayerApplier.ApplyAsync(await BuildTarAsync(entries), _root, mode));
        Assert.Equal(before, OutsideState());
        Assert.Equal(passwd, await File.ReadAllBytesAsync("/etc/passwd"));
        Assert.False(File.Exists("/etc/x"));
        return error;
    }

    [Theory]
    [InlineData(LayerApplyMode.Merge)]
    [InlineData(LayerApplyMode.OverlayLower)]
    public async Task Dot_dot_entry_is_refused(LayerApplyMode mode)
    {
        var error = await ApplyAsync(mode, FileEntry("../outside/victim", "pwned"));

        Assert.Equal("Layer entry '../outside/victim' is refused: its path has a '..' component.", Assert.IsType<InvalidDataException>(error).Message);
    }

    [Fact]
    public async Task Dot_dot_inside_a_path_is_refused()
    {
        var error = await ApplyAsync(LayerApplyMode.Merge, DirEntry("a/"), FileEntry("a/../../outside/victim", "pwned"));

        Assert.Equal("Layer entry 'a/../../outside/victim' is refused: its path has a '..' component.", Assert.IsType<InvalidDataException>(error).Message);
    }

    [Fact]
    public async Task Absolute_entry_path_is_taken_relative_to_the_root()
    {
        var error = await ApplyAsync(LayerApplyMode.Merge, FileEntry("/etc/x", "inside"));

        Assert.Null(error);
        Assert.Equal("inside", await File.ReadAllTextAsync(Path.Combine(_root, "etc/x")));
    }

    [Fact]
    public async Task File_through_an_absolute_symlink_lands_inside_the_root()
    {
        var error = await ApplyAsync(LayerApplyMode.Merge, SymlinkEntry("evil", _outside), FileEntry("evil/victim", "pwned"));

        Assert.Null(error);
        Assert.Equal("pwned", await File.ReadAllTextAsync(_root + _outside + "/victim"));
        Assert.Equal(_outside, new FileInfo(Path.Combine(_root, "evil")).LinkTarget);
    }

    [Fact]
    public async Task File_through_a_relative_symlink_that_climbs_out_of_the_root_is_refused()
    {
        var error = await ApplyAsync(LayerApplyMode.Merge, SymlinkEntry("evil", "../outside"), FileEntry("evil/victim", "pwned"));

        Assert.Equal("Layer entry 'evil/victim' is refused: its path goes through a symlink that points outside the root.", Assert.IsType<InvalidDataException>(error).Message);
    }

    [Fact]
    public async Task Symlink_chain_out_of_the_root_is_refused()
    {
        var error = await ApplyAsync(
            LayerApplyMode.Merge,
            DirEntry("a/"),
            DirEntry("a/b/"),
            SymlinkEntry("a/b/hop1", "../hop2"),
            SymlinkEntry("a/hop2", "../hop3"),
            SymlinkEntry("hop3", "../../outside"),
            FileEntry("a/b/hop1/victim", "pwned"));

        Assert.Equal("Layer entry 'a/b/hop1/victim' is refused: its path goes through a symlink that points outside the root.", Assert.IsType<InvalidDataException>(error).Message);
    }

    [Fact]
    public async Task Symlink_loop_is_refused()
    {
        var error = await ApplyAsync(LayerApplyMode.Merge, SymlinkEntry("a", "b"), SymlinkEntry("b", "a"), FileEntry("a/x", "x"));

        Assert.Equal("Layer entry 'a/x' is refused: too many levels of symbolic links.", Assert.IsType<InvalidDataException>(error).Message);
    }

    [Fact]
    public async Task Hard_link_to_a_host_file_is_refused()
    {
        var error = await ApplyAsync(LayerApplyMode.Merge, HardLinkEntry("passwd", "/etc/passwd"));

        Assert.Equal("Layer entry 'passwd' is a hard link to '/etc/passwd', which is not in the layer root.", Assert.IsType<InvalidDataException>(error).Message);
    }

    [Fact]
    public async Task Hard_link_through_a_symlink_to_the_host_resolves_inside_the_root()
    {
        var error = await ApplyAsync(LayerApplyMode.Merge, SymlinkEntry("hostetc", "/etc"), HardLinkEntry("passwd", "hostetc/passwd"));

        Assert.Equal("Layer entry 'passwd' is a hard link to 'hostetc/passwd', which is not in the layer root.", Assert.IsType<InvalidDataException>(error).Message);
    }

    [Fact]
    public async Task Hard_link_with_dot_dot_is_refused()
    {
        var error = await ApplyAsync(LayerApplyMode.Merge, HardLinkEntry("victim", "../outside/victim"));

        Assert.Equal("Layer entry '../outside/victim' is refused: its path has a '..' component.", Assert.IsType<InvalidDataException>(error).Message);
    }

    [Fact]
    public async Task File_over_a_symlink_replaces_the_link_instead_of_writing_through_it()
    {
        var error = await ApplyAsync(LayerApplyMode.Merge, SymlinkEntry("link", Path.Combine(_outside, "victim")), FileEntry("link", "pwned"));

        Assert.Null(error);
        Assert.Equal("pwned", await File.ReadAllTextAsync(Path.Combine(_root, "link")));
        Assert.Null(new FileInfo(Path.Combine(_root, "link")).LinkTarget);
    }

    [Fact]
    public async Task File_over_a_hard_link_does_not_change_the_linked_file()
    {
        var error = await ApplyAsync(LayerApplyMode.Merge, FileEntry("original", "safe"), HardLinkEntry("alias", "original"), FileEntry("alias", "pwned"));

        Assert.Null(error);
        Assert.Equal("safe", await File.ReadAllTextAsync(Path.Combine(_root, "original")));
        Assert.Equal("pwned", await File.ReadAllTextAsync(Path.Combine(_root, "alias")));
    }

    [Theory]
    [InlineData(LayerApplyMode.Merge)]
    [InlineData(LayerApplyMode.OverlayLower)]
    public async Task Whiteouts_through_a_symlink_act_inside_the_root(LayerApplyMode mode)
    {
        var error = await ApplyAsync(mode, SymlinkEntry("evil", _outside), FileEntry("evil/.wh.victim", string.Empty), FileEntry("evil/.wh..wh..opq", string.Empty));

        Assert.Null(error);
    }

    [Fact]
    public async Task Deleting_a_directory_with_a_symlink_to_the_outside_removes_only_the_link()
    {
        Directory.CreateDirectory(Path.Combine(_root, "d"));
        File.CreateSymbolicLink(Path.Combine(_root, "d", "out"), _outside);

        var error = await ApplyAsync(LayerApplyMode.Merge, FileEntry(".wh.d", string.Empty));

        Assert.Null(error);
        Assert.False(Directory.Exists(Path.Combine(_root, "d")));
    }
}
