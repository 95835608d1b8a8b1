namespace BuildFarm.Execution.Sources;

/// <summary>
/// Counts the context files steps read from the content store to copy them: what shows that a
/// build whose steps are all hits reads none, and that a step that runs reads what it selects.
/// </summary>
public sealed class ContextReads
{
    private long _files;

    /// <summary>Context files opened for their content so far.</summary>
    public long Files => Interlocked.Read(ref _files);

    internal void Count() => Interlocked.Increment(ref _files);
}
