using System.Security.Cryptography;
using BuildFarm.Oci;
using BuildFarm.Oci.Internal;

namespace BuildFarm.Execution.Files;

/// <summary>
/// Downloads an ADD URL as BuildKit's HTTP source does: the file is named after the URL path's
/// last segment, gets mode 0600, owner root and the modification time the server's Last-Modified
/// gives (the Unix epoch without one), and an <c>--checksum</c> must equal its sha256.
/// </summary>
public static class UrlFetcher
{
    private const int DownloadedFileMode = 0b110_000_000; // 0600
    private const string UnnamedFile = "__unnamed__";
    private const string SafeDefaultName = "download";

    /// <summary>Whether a source is a URL ADD downloads (rather than a path).</summary>
    public static bool IsUrl(string source) =>
        source.StartsWith("http://", StringComparison.Ordinal) || source.StartsWith("https://", StringComparison.Ordinal);

    /// <summary>
    /// Downloads <paramref name="url"/> into a new file under <paramref name="directory"/>, streaming
    /// it through sha256, and checks it against <paramref name="checksum"/> when one is given.
    /// </summary>
    /// <exception cref="FileCopyException">The server answered with an error status, or the content does not match the checksum.</exception>
    public static async Task<FetchedUrl> FetchAsync(HttpClient http, string url, string directory, string? checksum, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        var expected = ParseChecksum(checksum);
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new FileCopyException($"ADD {url}: invalid response status {(int)response.StatusCode}");
        }

        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, Guid.NewGuid().ToString("N"));
        Digest digest;
        try
        {
            await using (var content = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false))
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                digest = Digest.FromSha256Hash(hash.GetHashAndReset());
            }

            if (expected is { } wanted && wanted != digest)
            {
                throw new FileCopyException($"digest mismatch for {url}: {digest} (expected: {wanted})");
            }

            LibC.Chmod(path, DownloadedFileMode);
            var modified = response.Content.Headers.LastModified ?? DateTimeOffset.UnixEpoch;
            LibC.SetModificationTime(path, new FileTime(modified.ToUnixTimeSeconds(), 0));
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        return new FetchedUrl(url, FileNameOf(url), digest, path);
    }

    /// <summary>
    /// The Dockerfile frontend's name: the last segment of the URL's (unescaped) path, or
    /// <c>__unnamed__</c>; then the HTTP source's safety net, which turns a name with control
    /// characters (or <c>.</c>, <c>..</c>) into <c>download</c>. A Content-Disposition never counts:
    /// the frontend always names the file.
    /// </summary>
    internal static string FileNameOf(string url)
    {
        var name = UnnamedFile;
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            var path = Uri.UnescapeDataString(uri.AbsolutePath).TrimEnd('/');
            var last = path[(path.LastIndexOf('/') + 1)..];
            if (last.Length > 0 && last != ".")
            {
                name = last;
            }
        }

        name = name.Trim();
        return name is "" or "." or ".." || name.Any(char.IsControl) ? SafeDefaultName : name;
    }

    private static Digest? ParseChecksum(string? checksum)
    {
        if (checksum is null)
        {
            return null;
        }

        if (!Digest.TryParse(checksum, out var digest) || digest.Algorithm != "sha256")
        {
            throw new FileCopyException($"invalid --checksum={checksum}: expected sha256: and 64 lowercase hex digits");
        }

        return digest;
    }
}
