namespace BuildFarm.Oci.Layers;

/// <summary>The OCI layer names for deletions (inherited from AUFS).</summary>
public static class Whiteouts
{
    /// <summary>A file named <c>.wh.x</c> deletes <c>x</c> of the layers below.</summary>
    public const string Prefix = ".wh.";

    /// <summary>In a directory, hides everything the layers below have in it.</summary>
    public const string OpaqueMarker = ".wh..wh..opq";

    /// <summary>Names starting with this are AUFS metadata, never files (<c>.wh..wh.plnk</c>, <c>.wh..wh.aufs</c>).</summary>
    public const string MetaPrefix = ".wh..wh.";

    /// <summary>The overlayfs xattr that marks an opaque directory.</summary>
    public const string OverlayOpaqueXattr = "trusted.overlay.opaque";

    /// <summary>The same, for overlayfs mounted with <c>userxattr</c> (rootless).</summary>
    public const string OverlayUserOpaqueXattr = "user.overlay.opaque";
}
