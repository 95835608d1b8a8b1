namespace BuildFarm.LoadTests.Bench;

/// <summary>What the benchmarks run against.</summary>
/// <param name="Servers">The cluster's silos: A is the first, B the second.</param>
/// <param name="Single">A farm of one silo with one slot for the spread scenario; null compares with the serial bound.</param>
/// <param name="EmptyStoreCommand">A shell command that empties B's store; null leaves it as replication left it.</param>
public sealed record BenchSettings(
    IReadOnlyList<Uri> Servers,
    Uri? Single,
    string? EmptyStoreCommand,
    TimeSpan BuildTimeout,
    string WorkDirectory,
    string? BusyboxArchive);
