using BuildFarm.Cli.Tests.TestSupport;

namespace BuildFarm.Cli.Tests.Images;

/// <summary>
/// Which farm server a command reaches without <c>--server</c>: the one of its data directory,
/// which is --data-dir, else $FARM_DATA_DIR, else $XDG_DATA_HOME/buildfarm, else ~/.local/share/buildfarm.
/// Each test runs a server in the directory it expects; a command that chose another directory
/// would find no server there.
/// </summary>
public sealed class DataDirectoryTests : IDisposable
{
    private readonly FarmSession _farm = new();

    [Theory]
    [InlineData("FARM_DATA_DIR", "farm-data", "farm-data")]
    [InlineData("XDG_DATA_HOME", "xdg", "xdg/buildfarm")]
    public async Task The_environment_chooses_the_data_directory(string variable, string value, string expected)
    {
        var busybox = await Busybox.GetAsync();
        var environment = _farm.Environment with { GetVariable = name => name == variable ? _farm.Combine(value) : null };
        await using var server = await InProcessServer.StartAsync(_farm.Environment, _farm.Combine(expected));

        var load = await FarmRunner.RunAsync(environment, "load", "-i", busybox.ArchivePath);

        Assert.Equal(0, load.ExitCode);
        Assert.Equal($"{busybox.ShortId}\n", (await FarmRunner.RunAsync(environment, "--data-dir", _farm.Combine(expected), "images", "-q")).Output);
    }

    [Fact]
    public async Task Without_option_or_variables_images_live_under_the_home_directory()
    {
        var busybox = await Busybox.GetAsync();
        var expected = Path.Combine(_farm.Home, ".local", "share", "buildfarm");
        await using var server = await InProcessServer.StartAsync(_farm.Environment, expected);

        await FarmRunner.RunAsync(_farm.Environment, "load", "-i", busybox.ArchivePath);

        Assert.Equal($"{busybox.ShortId}\n", (await FarmRunner.RunAsync(_farm.Environment, "images", "-q", "--data-dir", expected)).Output);
    }

    [Fact]
    public async Task A_relative_XDG_DATA_HOME_is_ignored_as_the_XDG_spec_says()
    {
        var busybox = await Busybox.GetAsync();
        var environment = _farm.Environment with { GetVariable = name => name == "XDG_DATA_HOME" ? "relative/data" : null };
        await using var server = await InProcessServer.StartAsync(_farm.Environment, Path.Combine(_farm.Home, ".local", "share", "buildfarm"));

        await FarmRunner.RunAsync(environment, "load", "-i", busybox.ArchivePath);

        Assert.True(File.Exists(Path.Combine(_farm.Home, ".local", "share", "buildfarm", "images.msgpack")));
    }

    [Fact]
    public async Task The_option_wins_over_the_environment()
    {
        var busybox = await Busybox.GetAsync();
        _farm.Environment = _farm.Environment with { GetVariable = name => name == "FARM_DATA_DIR" ? _farm.Combine("ignored") : null };

        await _farm.RunCheckedAsync("load", "-i", busybox.ArchivePath);

        Assert.True(File.Exists(Path.Combine(_farm.DataDirectory, "images.msgpack")));
        Assert.False(Directory.Exists(_farm.Combine("ignored")));
    }

    public void Dispose() => _farm.Dispose();
}
