namespace BuildFarm.Oci.Images;

public enum LayerCompression
{
    None,
    Gzip,
    Zstd,
}
