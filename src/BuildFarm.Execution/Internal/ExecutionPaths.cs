using BuildFarm.Oci;

namespace BuildFarm.Execution.Internal;

/// <summary>Where the engine keeps things in a silo's data directory.</summary>
internal sealed class ExecutionPaths(string dataDirectory)
{
    /// <summary>Prefix of a snapshot still being unpacked; one left at start was interrupted.</summary>
    public const string UnpackPrefix = ".unpack-";

    public string DataDirectory { get; } = dataDirectory;

    /// <summary>Each layer unpacked once, as an overlay lower dir: <c>snapshots/&lt;diffID hex&gt;</c>.</summary>
    public string Snapshots { get; } = Path.Combine(dataDirectory, "snapshots");

    /// <summary>One directory per running step: overlay upper, work and merged dirs, runtime bundle.</summary>
    public string Exec { get; } = Path.Combine(dataDirectory, "exec");

    /// <summary>runc's state directory (<c>runc --root</c>), apart from the host's <c>/run/runc</c>.</summary>
    public string RuncRoot { get; } = Path.Combine(dataDirectory, "runc");

    /// <summary>RUN --mount=type=cache directories, kept across steps and builds: <c>cache-mounts/&lt;id&gt;/&lt;instance&gt;</c>.</summary>
    public string CacheMounts { get; } = Path.Combine(dataDirectory, "cache-mounts");

    /// <summary>A new directory name in <see cref="Exec"/>, unique among the silo's running steps.</summary>
    public string NewExecDirectory() => Path.Combine(Exec, Guid.NewGuid().ToString("N")[..20]);

    public string Snapshot(Digest diffId) => Path.Combine(Snapshots, diffId.Hex);

    public string NewUnpackDirectory(Digest diffId) => Path.Combine(Snapshots, $"{UnpackPrefix}{diffId.Hex}-{Guid.NewGuid():N}");
}
