using System.Security.Cryptography;

namespace BuildFarm.Oci.Registry.Internal;

/// <summary>Digests in the algorithm of an expected digest (sha256, or sha512 when a registry names one).</summary>
internal static class ContentDigest
{
    public static IncrementalHash CreateHash(Digest expected) =>
        IncrementalHash.CreateHash(expected.Algorithm switch
        {
            "sha256" => HashAlgorithmName.SHA256,
            "sha512" => HashAlgorithmName.SHA512,
            _ => throw new NotSupportedException($"Digest algorithm '{expected.Algorithm}' is not supported."),
        });

    public static Digest FromHash(string algorithm, byte[] hash) => Digest.Parse($"{algorithm}:{Convert.ToHexStringLower(hash)}");

    public static Digest Compute(Digest expected, ReadOnlySpan<byte> content)
    {
        using var hash = CreateHash(expected);
        hash.AppendData(content);
        return FromHash(expected.Algorithm, hash.GetHashAndReset());
    }
}
