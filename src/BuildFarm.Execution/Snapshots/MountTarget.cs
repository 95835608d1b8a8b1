namespace BuildFarm.Execution.Snapshots;

/// <summary>A path in a container's root that something is mounted on, and whether it is a file (or a directory).</summary>
public sealed record MountTarget(string Path, bool IsFile);
