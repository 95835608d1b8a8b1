namespace BuildFarm.LoadTests.Load;

/// <summary>One bounded load run: who sends what, where, for how long.</summary>
/// <param name="Servers">The farm addresses; client i sends its builds to server i modulo their count.</param>
/// <param name="Clients">Clients building at once, each one build after another.</param>
/// <param name="Duration">How long clients start new builds; builds in flight then finish (within <paramref name="BuildTimeout"/>).</param>
/// <param name="WorkDirectory">Where the generated contexts are written.</param>
/// <param name="BusyboxArchive">The base image to load into farms that lack it; null makes it with the repository's script.</param>
public sealed record LoadSettings(
    IReadOnlyList<Uri> Servers,
    int Clients,
    TimeSpan Duration,
    BuildMix Mix,
    TimeSpan BuildTimeout,
    string WorkDirectory,
    string? BusyboxArchive)
{
    /// <summary>A bound on one client's builds besides time, so that a farm answering instantly (with errors) cannot spin a client forever.</summary>
    public const int MaxBuildsPerClient = 10_000;
}
