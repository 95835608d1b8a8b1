namespace BuildFarm.Storage.Pruning;

/// <summary>How many things (blobs, records, directories) and the bytes they take.</summary>
public readonly record struct Amount(long Count, long Bytes)
{
    public static Amount Zero => default;

    public static Amount operator +(Amount left, Amount right) => new(left.Count + right.Count, left.Bytes + right.Bytes);
}
