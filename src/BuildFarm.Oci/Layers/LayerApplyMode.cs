namespace BuildFarm.Oci.Layers;

/// <summary>How a layer is unpacked.</summary>
public enum LayerApplyMode
{
    /// <summary>
    /// Onto a plain directory holding the layers below: whiteouts delete what they name, opaque
    /// markers empty their directory of what the layers below put there.
    /// </summary>
    Merge,

    /// <summary>
    /// Into its own directory, to serve as an overlayfs lower dir: whiteouts become 0/0 character
    /// devices and opaque markers the <c>trusted.overlay.opaque=y</c> xattr, which overlayfs reads.
    /// </summary>
    OverlayLower,
}
