using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Layers;

/// <summary>How a directory is made into a layer blob.</summary>
public sealed record LayerWriterOptions
{
    public LayerCompression Compression { get; init; } = LayerCompression.Gzip;

    /// <summary>Null for the tools' defaults: gzip 6, zstd 3.</summary>
    public int? CompressionLevel { get; init; }

    /// <summary>
    /// When set, later modification times are clamped to it (the <c>SOURCE_DATE_EPOCH</c>
    /// convention), so a tree rebuilt at another time gives the same layer.
    /// </summary>
    public DateTimeOffset? SourceDateEpoch { get; init; }

    public LayerSource Source { get; init; } = LayerSource.Directory;
}

/// <summary>What the directory given to the layer writer is.</summary>
public enum LayerSource
{
    /// <summary>A plain tree: every entry in it is an addition.</summary>
    Directory,

    /// <summary>
    /// An overlayfs upper dir: 0/0 character devices are deletions (written as <c>.wh.name</c>)
    /// and directories with <c>trusted.overlay.opaque=y</c> hide their lower contents (<c>.wh..wh..opq</c>).
    /// </summary>
    OverlayUpper,
}
