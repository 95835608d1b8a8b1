using System.Security.Cryptography;
using System.Text;

namespace BuildFarm.Execution.Mounts.Internal;

/// <summary>
/// The directory name of a cache: its id made safe as a file name, plus a hash that keeps ids
/// apart that sanitize alike (<c>/root/.cache</c> and <c>_root_.cache</c>) and caches of one id
/// with different seeds apart, as BuildKit keys a cache by id and by the ref it starts from.
/// </summary>
internal static class CacheMountKey
{
    private const int MaxReadableLength = 64;

    /// <param name="id">The cache id as written (or defaulted to the target).</param>
    /// <param name="seed">What a new instance starts from (owner and mode, or a stage's layers and path); null for an empty root-owned directory.</param>
    public static string DirectoryName(string id, string? seed)
    {
        var readable = new StringBuilder(Math.Min(id.Length, MaxReadableLength));
        foreach (var c in id.AsSpan(0, Math.Min(id.Length, MaxReadableLength)))
        {
            readable.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' || (c == '.' && readable.Length > 0) ? c : '_');
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(seed is null ? id : $"{id}\n{seed}"));
        return $"{readable}-{Convert.ToHexStringLower(hash)[..16]}";
    }
}
