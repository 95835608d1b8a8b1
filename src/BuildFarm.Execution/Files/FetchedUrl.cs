using BuildFarm.Oci;

namespace BuildFarm.Execution.Files;

/// <summary>The content of an ADD URL, downloaded.</summary>
/// <param name="Url">The URL as written.</param>
/// <param name="FileName">The name ADD gives the file: the URL path's last segment, <c>__unnamed__</c> when it has none.</param>
/// <param name="Digest">The sha256 of the content.</param>
/// <param name="ContentPath">The host file holding the content (mode 0600, modification time from Last-Modified).</param>
public sealed record FetchedUrl(string Url, string FileName, Digest Digest, string ContentPath);
