namespace BuildFarm.Client.Context.Internal;

/// <summary>What a walk met, for <see cref="ContextSnapshot"/>.</summary>
internal sealed record ContextWalkCounts(int Files, int Directories, int Symlinks, int FilesHashed, IReadOnlyList<string> Skipped);
