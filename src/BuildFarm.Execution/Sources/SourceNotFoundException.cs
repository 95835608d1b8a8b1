namespace BuildFarm.Execution.Sources;

/// <summary>A COPY/ADD source that names or matches nothing in its source tree.</summary>
public sealed class SourceNotFoundException(string source)
    : Exception($"failed to compute cache key: \"{source}\": not found")
{
    /// <summary>The source as written in the instruction.</summary>
    public string CopySource { get; } = source;
}
