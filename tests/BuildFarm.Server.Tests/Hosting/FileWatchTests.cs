using BuildFarm.Server.Tests.TestSupport;

namespace BuildFarm.Server.Tests.Hosting;

public sealed class FileWatchTests
{
    [Fact]
    public async Task A_running_server_watches_no_directory()
    {
        // The tests run in their output directory, which has subdirectories a recursive watch would take.
        Assert.NotEmpty(Directory.GetDirectories(Environment.CurrentDirectory));
        var before = InotifyWatches();

        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nRUN echo one > /one\n");
        await farm.BuildAsync();

        Assert.Equal(before, InotifyWatches());
    }

    // Every inotify watch this process holds, from each inotify descriptor's fdinfo.
    private static int InotifyWatches() =>
        Directory.GetFiles("/proc/self/fd")
            .Where(static fd => new FileInfo(fd).LinkTarget == "anon_inode:inotify")
            .Sum(static fd =>
            {
                try
                {
                    return File.ReadLines($"/proc/self/fdinfo/{Path.GetFileName(fd)}").Count(static line => line.StartsWith("inotify wd:", StringComparison.Ordinal));
                }
                catch (IOException)
                {
                    return 0; // closed meanwhile
                }
            });
}
