using System.Diagnostics;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Benchmarks;

/// <summary>
/// Our hashing, tar and compression against the command-line tools on the same tree in the same
/// run: each side runs twice and the better time counts (the first run also warms the page cache).
/// </summary>
public sealed class LayerBenchmark(TreeGenerator.Tree tree)
{
    private const int Runs = 2;

    public async Task RunAsync()
    {
        Console.WriteLine($"tree: {tree.Root}, {tree.FileCount} files, {tree.TotalBytes / 1e6:F1} MB; {Environment.ProcessorCount} cores; best of {Runs} runs");
        Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()} (other processes share these cores)");
        Tool("sh", "-c", $"tar -cf - -C '{tree.Root}' . | cat > /dev/null"); // warm the page cache

        var rows = new List<(string Name, double Ours, double Tool)>
        {
            await CompareAsync("sha256 (per file)", HashFilesAsync, $"find . -type f -print0 | xargs -0 sha256sum > /dev/null"),
            await CompareAsync("tar", () => LayerAsync(LayerCompression.None), "tar -cf - . | cat > /dev/null"),
            // Ours always computes the diffID; this is the like-for-like comparison.
            await CompareAsync("tar + sha256", () => LayerAsync(LayerCompression.None), "tar -cf - . | sha256sum > /dev/null"),
            await CompareAsync("tar + gzip -6", () => LayerAsync(LayerCompression.Gzip), "tar -cf - . | gzip -6 | cat > /dev/null"),
            await CompareAsync("tar + zstd -3", () => LayerAsync(LayerCompression.Zstd), "tar -cf - . | zstd -3 -q | cat > /dev/null"),
            // Like for like: ours always hashes both the tar (diffID) and the blob.
            await CompareAsync("tar+zstd+2 digests", () => LayerAsync(LayerCompression.Zstd), "tar -cf - . | tee >(sha256sum > /dev/null) | zstd -3 -q | sha256sum > /dev/null"),
        };

        Console.WriteLine();
        Console.WriteLine($"{"operation",-20} {"ours MB/s",10} {"tool MB/s",10} {"ours/tool",10}  {"target",8}");
        foreach (var (name, ours, tool) in rows)
        {
            var ratio = ours / tool;
            Console.WriteLine($"{name,-20} {ours,10:F1} {tool,10:F1} {ratio,10:F2}  {(ratio >= 1 / 1.3 ? "met" : "MISSED"),8}");
        }

        Console.WriteLine();
        Console.WriteLine("compressed sizes (level parity check):");
        Console.WriteLine($"  gzip: ours {await CompressedSizeAsync(LayerCompression.Gzip),12:N0}  tool {long.Parse(Tool("sh", "-c", $"tar -cf - -C '{tree.Root}' . | gzip -6 | wc -c").Trim(), System.Globalization.CultureInfo.InvariantCulture),12:N0}");
        Console.WriteLine($"  zstd: ours {await CompressedSizeAsync(LayerCompression.Zstd),12:N0}  tool {long.Parse(Tool("sh", "-c", $"tar -cf - -C '{tree.Root}' . | zstd -3 -q | wc -c").Trim(), System.Globalization.CultureInfo.InvariantCulture),12:N0}");
    }

    private async Task<(string, double, double)> CompareAsync(string name, Func<Task> ours, string toolCommand)
    {
        var oursSeconds = double.MaxValue;
        var toolSeconds = double.MaxValue;
        for (var run = 0; run < Runs; run++)
        {
            var watch = Stopwatch.StartNew();
            await ours();
            oursSeconds = Math.Min(oursSeconds, watch.Elapsed.TotalSeconds);
            watch.Restart();
            Tool("bash", "-c", $"cd '{tree.Root}' && {toolCommand}");
            toolSeconds = Math.Min(toolSeconds, watch.Elapsed.TotalSeconds);
        }

        var megabytes = tree.TotalBytes / 1e6;
        Console.WriteLine($"{name}: ours {oursSeconds:F2}s, tool {toolSeconds:F2}s");
        return (name, megabytes / oursSeconds, megabytes / toolSeconds);
    }

    private async Task HashFilesAsync()
    {
        var buffer = new byte[1 << 20];
        foreach (var path in Directory.EnumerateFiles(tree.Root, "*", SearchOption.AllDirectories))
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
            await using var hashing = new DigestingStream(file);
            while (await hashing.ReadAsync(buffer) > 0)
            {
            }

            _ = hashing.Digest;
        }
    }

    private Task LayerAsync(LayerCompression compression) =>
        LayerWriter.WriteAsync(tree.Root, Stream.Null, new LayerWriterOptions { Compression = compression });

    private async Task<long> CompressedSizeAsync(LayerCompression compression) =>
        (await LayerWriter.WriteAsync(tree.Root, Stream.Null, new LayerWriterOptions { Compression = compression })).Descriptor.Size;

    private static string Tool(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? output : throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed with {process.ExitCode}");
    }
}
