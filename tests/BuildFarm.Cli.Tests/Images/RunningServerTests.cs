using BuildFarm.Cli.Tests.TestSupport;
using BuildFarm.Storage;
using BuildFarm.Storage.Content;

namespace BuildFarm.Cli.Tests.Images;

/// <summary>
/// The image commands go through a farm server, as docker's go through dockerd: they work while
/// the server holds the data directory's store, which is when a user runs them.
/// </summary>
public sealed class RunningServerTests : IDisposable
{
    private readonly FarmSession _farm = new();

    [Fact]
    public async Task Load_and_images_work_while_the_server_holds_the_store()
    {
        var busybox = await Busybox.GetAsync();
        await _farm.StartServerAsync();

        var load = await _farm.RunAsync("load", "-i", busybox.ArchivePath);
        var images = await _farm.RunAsync("images");

        Assert.Equal(new FarmResult(0, "Loaded image: busybox:latest\n", ""), load);
        Assert.Equal(
            new FarmResult(0, "REPOSITORY   TAG       IMAGE ID       CREATED        SIZE\n" + $"busybox      latest    {busybox.ShortId}   56 years ago   {busybox.Size}\n", ""),
            images);
        var open = Assert.Throws<IOException>(() => ContentStore.Open(new ContentStoreOptions { DataDirectory = _farm.DataDirectory }));
        Assert.Equal($"The content store at {_farm.DataDirectory}/blobs is already open; one data directory is served by one store at a time.", open.Message);
    }

    [Fact]
    public async Task With_server_the_images_are_that_server_s_whatever_the_data_directory()
    {
        var busybox = await _farm.LoadBusyboxAsync();
        var server = (await _farm.StartServerAsync()).ToString();
        var elsewhere = _farm.Combine("elsewhere");

        var images = await FarmRunner.RunAsync(_farm.Environment, "--data-dir", elsewhere, "--server", server, "images", "-q");
        var fromVariable = await FarmRunner.RunAsync(_farm.Environment with { GetVariable = name => name == "FARM_SERVER" ? server : null }, "--data-dir", elsewhere, "images", "-q");

        Assert.Equal(new FarmResult(0, $"{busybox.ShortId}\n", ""), images);
        Assert.Equal(new FarmResult(0, $"{busybox.ShortId}\n", ""), fromVariable);
        Assert.False(Directory.Exists(elsewhere));
    }

    [Fact]
    public async Task An_unreachable_server_is_named()
    {
        var port = BuildFarm.Testing.FreePort.Pick();

        var result = await FarmRunner.RunAsync(_farm.Environment, "--data-dir", _farm.DataDirectory, "--server", $"127.0.0.1:{port}", "images");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"Error: the farm server cannot be reached (Error connecting to subchannel.", result.Error);
    }

    public void Dispose() => _farm.Dispose();
}
