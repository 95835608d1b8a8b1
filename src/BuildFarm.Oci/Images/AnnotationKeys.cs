namespace BuildFarm.Oci.Images;

/// <summary>Pre-defined annotation keys of the OCI image spec used by this library.</summary>
public static class AnnotationKeys
{
    /// <summary>In an OCI layout's index.json: the tag (or full reference) of a manifest.</summary>
    public const string RefName = "org.opencontainers.image.ref.name";

    public const string Created = "org.opencontainers.image.created";

    /// <summary>Set by containerd on index.json entries: the full image name, e.g. <c>docker.io/library/x:tag</c>.</summary>
    public const string ContainerdImageName = "io.containerd.image.name";
}
