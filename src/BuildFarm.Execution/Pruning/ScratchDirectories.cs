namespace BuildFarm.Execution.Pruning;

/// <summary>
/// Directories of the data directory whose entries belong to running work only. With no work
/// running (a prune holds the gate alone), whatever they hold was left by interrupted work.
/// </summary>
public static class ScratchDirectories
{
    /// <summary>Build contexts materialized from their trees, one per running build.</summary>
    public const string Contexts = "contexts";

    /// <summary><c>ADD</c> URL downloads, kept while their step runs.</summary>
    public const string Downloads = "downloads";

    /// <summary><c>--ssh</c> agents' sockets, one root-only directory per running build.</summary>
    public const string Agents = "agents";

    /// <summary>Images' file trees being exported.</summary>
    public const string Exports = "exports";

    public static IReadOnlyList<string> In(string dataDirectory) =>
        [Path.Combine(dataDirectory, Contexts), Path.Combine(dataDirectory, Downloads), Path.Combine(dataDirectory, Exports), Path.Combine(dataDirectory, Agents)];
}
