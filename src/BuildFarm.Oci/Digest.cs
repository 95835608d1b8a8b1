using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text.Json.Serialization;
using BuildFarm.Oci.Images.Internal;

namespace BuildFarm.Oci;

/// <summary>
/// A content digest in the OCI form <c>algorithm:hex</c>. Only sha256 is produced; sha512 is
/// accepted on input because the OCI spec registers it.
/// </summary>
[JsonConverter(typeof(DigestJsonConverter))]
public readonly record struct Digest
{
    private Digest(string algorithm, string hex)
    {
        Algorithm = algorithm;
        Hex = hex;
    }

    public string Algorithm { get; }

    public string Hex { get; }

    public static Digest Sha256(ReadOnlySpan<byte> data) => FromSha256Hash(SHA256.HashData(data));

    public static Digest FromSha256Hash(ReadOnlySpan<byte> hash) =>
        hash.Length == SHA256.HashSizeInBytes
            ? new Digest("sha256", Convert.ToHexStringLower(hash))
            : throw new ArgumentException($"A sha256 hash has {SHA256.HashSizeInBytes} bytes, not {hash.Length}.", nameof(hash));

    public static Digest Parse(string value) =>
        TryParse(value, out var digest, out var error) ? digest : throw new FormatException(error);

    public static bool TryParse(string? value, out Digest digest) => TryParse(value, out digest, out _);

    private static bool TryParse(string? value, out Digest digest, [NotNullWhen(false)] out string? error)
    {
        digest = default;
        if (string.IsNullOrEmpty(value))
        {
            error = "A digest is empty.";
            return false;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            error = $"'{value}' is not a digest: expected 'algorithm:hex'.";
            return false;
        }

        var algorithm = value[..colon];
        var hex = value[(colon + 1)..];
        var expectedLength = algorithm switch
        {
            "sha256" => 64,
            "sha512" => 128,
            _ => -1,
        };
        if (expectedLength < 0)
        {
            error = $"'{value}' uses the unsupported digest algorithm '{algorithm}'.";
            return false;
        }

        if (hex.Length != expectedLength || !hex.All(static c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
        {
            error = $"'{value}' is not a valid {algorithm} digest: expected {expectedLength} lowercase hex digits.";
            return false;
        }

        digest = new Digest(algorithm, hex);
        error = null;
        return true;
    }

    public bool IsEmpty => Hex is null;

    public override string ToString() => IsEmpty ? string.Empty : $"{Algorithm}:{Hex}";
}
