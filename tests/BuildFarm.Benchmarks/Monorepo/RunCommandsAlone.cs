using System.Diagnostics;
using BuildFarm.Testing;

namespace BuildFarm.Benchmarks.Monorepo;

/// <summary>
/// What the corpus's RUN commands cost by themselves, the floor of any builder: the same commands,
/// one after another, in a plain <c>chroot</c> of a busybox root file system with the files each
/// stage copies put in place by hand. Only the chroot'd commands are timed; no layers, no sandbox.
/// </summary>
public static class RunCommandsAlone
{
    /// <summary>Runs the commands and returns each one's wall-clock seconds by the stage it belongs to.</summary>
    public static async Task<IReadOnlyList<(string Stage, double Seconds)>> MeasureAsync(MonorepoCorpus corpus, string scratch)
    {
        var rootfs = Directory.CreateDirectory(Path.Combine(scratch, "rootfs")).FullName;
        Directory.CreateDirectory(Path.Combine(rootfs, "bin"));
        File.Copy("/bin/busybox", Path.Combine(rootfs, "bin", "busybox"));
        await ProcessRunner.RunCheckedAsync("chroot", [rootfs, "/bin/busybox", "--install", "-s"]);
        Directory.CreateDirectory(Path.Combine(rootfs, "tmp"));

        CopyDirectory(Path.Combine(corpus.Root, "tools"), Path.Combine(rootfs, "tools"));
        CopyDirectory(Path.Combine(corpus.Root, "lib"), Path.Combine(rootfs, "src", "lib"));
        List<(string, double)> seconds = [("lib", await RunAsync(rootfs, MonorepoCorpus.LibraryRun))];

        Directory.CreateDirectory(Path.Combine(rootfs, "deps"));
        File.Copy(Path.Combine(rootfs, "out", "lib.tar.gz"), Path.Combine(rootfs, "deps", "lib.tar.gz"));
        foreach (var app in MonorepoCorpus.Apps)
        {
            var source = Path.Combine(rootfs, "src", "app");
            if (Directory.Exists(source))
            {
                Directory.Delete(source, recursive: true);
            }

            CopyDirectory(Path.Combine(corpus.Root, "apps", app), source);
            seconds.Add(($"app-{app}", await RunAsync(rootfs, MonorepoCorpus.AppRun(app))));
        }

        Directory.CreateDirectory(Path.Combine(rootfs, "apps"));
        foreach (var app in MonorepoCorpus.Apps)
        {
            File.Copy(Path.Combine(rootfs, "out", $"{app}.tar.gz"), Path.Combine(rootfs, "apps", $"{app}.tar.gz"));
        }

        seconds.Add((MonorepoCorpus.FinalStage, await RunAsync(rootfs, MonorepoCorpus.FinalRun)));
        return seconds;
    }

    private static async Task<double> RunAsync(string rootfs, string command)
    {
        var watch = Stopwatch.StartNew();
        await ProcessRunner.RunCheckedAsync("chroot", [rootfs, "/bin/sh", "-c", $"export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin; cd /src && {command}"]);
        return watch.Elapsed.TotalSeconds;
    }

    private static void CopyDirectory(string source, string destination)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
