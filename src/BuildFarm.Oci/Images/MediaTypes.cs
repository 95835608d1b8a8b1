namespace BuildFarm.Oci.Images;

/// <summary>
/// Media types of the OCI image spec, and the Docker image manifest schema 2 types that are
/// accepted on input because registries and <c>docker save</c> still produce them.
/// </summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string OciNondistributableLayer = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public const string OciNondistributableLayerGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public const string OciNondistributableLayerZstd = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
    public const string OciEmpty = "application/vnd.oci.empty.v1+json";

    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    public const string DockerLayerZstd = "application/vnd.docker.image.rootfs.diff.tar.zstd";

    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsConfig(string? mediaType) => mediaType is OciConfig or DockerConfig;

    public static bool IsLayer(string? mediaType) => TryGetLayerCompression(mediaType, out _);

    /// <summary>How a layer blob of this media type is compressed; false when it is not a layer type.</summary>
    public static bool TryGetLayerCompression(string? mediaType, out LayerCompression compression)
    {
        switch (mediaType)
        {
            case OciLayer or OciNondistributableLayer:
                compression = LayerCompression.None;
                return true;
            case OciLayerGzip or OciNondistributableLayerGzip or DockerLayerGzip or DockerForeignLayerGzip:
                compression = LayerCompression.Gzip;
                return true;
            case OciLayerZstd or OciNondistributableLayerZstd or DockerLayerZstd:
                compression = LayerCompression.Zstd;
                return true;
            default:
                compression = default;
                return false;
        }
    }

    public static LayerCompression GetLayerCompression(string mediaType) =>
        TryGetLayerCompression(mediaType, out var compression)
            ? compression
            : throw new NotSupportedException($"'{mediaType}' is not a layer media type.");

    /// <summary>The OCI layer media type for a compression.</summary>
    public static string OciLayerFor(LayerCompression compression) => compression switch
    {
        LayerCompression.None => OciLayer,
        LayerCompression.Gzip => OciLayerGzip,
        LayerCompression.Zstd => OciLayerZstd,
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
    };

    /// <summary>
    /// The Docker schema 2 layer media type for a compression. Docker has no uncompressed layer type
    /// in schema 2; <c>docker load</c> sniffs the compression, so tar goes out as the gzip type.
    /// </summary>
    public static string DockerLayerFor(LayerCompression compression) => compression switch
    {
        LayerCompression.None or LayerCompression.Gzip => DockerLayerGzip,
        LayerCompression.Zstd => DockerLayerZstd,
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
    };
}
