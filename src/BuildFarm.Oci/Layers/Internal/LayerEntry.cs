using BuildFarm.Oci.Internal;
using BuildFarm.Oci.Tar;

namespace BuildFarm.Oci.Layers.Internal;

/// <summary>One tar entry of a layer being written, and the file its content comes from.</summary>
internal sealed record LayerEntry(TarHeader Header, string? ContentPath)
{
    /// <summary>The path without a directory's trailing '/', which is what entries are sorted by.</summary>
    public string SortKey { get; } = Header.Name.TrimEnd('/');

    /// <summary>The source file's status, for finding hard links; null for synthesized entries (whiteouts).</summary>
    public FileStatus? Status { get; init; }
}
