using System.Diagnostics;
using BuildFarm.Client.Builds;

namespace BuildFarm.LoadTests.Farm;

/// <summary>
/// The base image of every generated context: busybox, the reproducible one that
/// <c>deploy/base-images/busybox.sh</c> makes (no registry is reached). Loaded through the
/// client's image API into each farm that lacks it.
/// </summary>
public static class BaseImage
{
    /// <summary>How generated Dockerfiles name it, and the name the farm stores it under.</summary>
    public const string Name = "busybox";

    private const string StoredName = "docker.io/library/busybox:latest";

    private static readonly string[] ScriptPath = ["deploy", "base-images", "busybox.sh"];

    /// <summary>Loads busybox into every farm of <paramref name="farms"/> that does not have it.</summary>
    /// <param name="archive">An OCI archive of it; null makes one with the repository's script in <paramref name="workDirectory"/> when a farm needs it.</param>
    public static async Task EnsureAsync(IEnumerable<FarmClient> farms, string? archive, string workDirectory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(farms);
        foreach (var farm in farms)
        {
            var images = await farm.ListImagesAsync(cancellationToken).ConfigureAwait(false);
            if (images.Any(static image => image.Name == StoredName))
            {
                continue;
            }

            archive = await ArchiveAsync(archive, workDirectory, cancellationToken).ConfigureAwait(false);
            await LoadAsync(farm, archive, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Loads busybox into <paramref name="farm"/> whatever its image list says: a silo that lost
    /// its store may still list the cluster's name, and must not go and pull busybox from Docker
    /// Hub for a benchmark.
    /// </summary>
    public static async Task LoadAsync(FarmClient farm, string archive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(farm);
        await using var stream = File.OpenRead(archive);
        await farm.LoadImagesAsync(stream, archive, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><paramref name="given"/>, else the archive made in <paramref name="workDirectory"/> (made now if it is not there yet).</summary>
    public static async Task<string> ArchiveAsync(string? given, string workDirectory, CancellationToken cancellationToken)
    {
        if (given is not null)
        {
            return given;
        }

        var made = Path.Combine(workDirectory, "base-image", "busybox.oci.tar");
        return File.Exists(made) ? made : await MakeArchiveAsync(workDirectory, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> MakeArchiveAsync(string workDirectory, CancellationToken cancellationToken)
    {
        var script = FindScript() ?? throw new InvalidOperationException(
            $"no busybox image to load: give --busybox-archive (deploy/base-images/busybox.sh OUTPUT_DIR makes one; it was not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory})");
        var output = Path.Combine(workDirectory, "base-image");
        using var process = Process.Start(new ProcessStartInfo(script, [output]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return process.ExitCode == 0
            ? Path.Combine(output, "busybox.oci.tar")
            : throw new InvalidOperationException($"{script} {output} exited with {process.ExitCode}: {(await error.ConfigureAwait(false)).Trim()}");
    }

    /// <summary>The script in the checkout the tool runs from (dotnet run) or is run in.</summary>
    private static string? FindScript()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                var candidate = Path.Combine([directory.FullName, .. ScriptPath]);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
