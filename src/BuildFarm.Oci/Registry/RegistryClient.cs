using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry.Internal;

namespace BuildFarm.Oci.Registry;

/// <summary>
/// The OCI distribution API of registries: manifests and blobs by repository, blob uploads
/// (cross-repository mount, monolithic, chunked). Authenticates, retries and verifies digests;
/// blobs stream and are never held whole in memory. <see cref="ImagePuller"/> and
/// <see cref="ImagePusher"/> move whole images with it. Thread-safe; one client serves any
/// number of registries.
/// </summary>
public sealed class RegistryClient : IDisposable
{
    private static readonly string[] ManifestMediaTypes =
        [MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList];

    private static readonly HttpStatusCode[] Ok = [HttpStatusCode.OK];
    private static readonly HttpStatusCode[] Created = [HttpStatusCode.Created];
    private static readonly HttpStatusCode[] Accepted = [HttpStatusCode.Accepted];
    private static readonly HttpStatusCode[] OkOrNotFound = [HttpStatusCode.OK, HttpStatusCode.NotFound];
    private static readonly HttpStatusCode[] CreatedOrAccepted = [HttpStatusCode.Created, HttpStatusCode.Accepted];

    private readonly RegistryTransport _transport;

    /// <param name="handler">The HTTP stack to use (for a proxy, or a test's fault injection); not disposed by the client.</param>
    public RegistryClient(RegistryClientOptions? options = null, HttpMessageHandler? handler = null)
    {
        Options = options ?? new RegistryClientOptions();
        Options.Validate();
        _transport = new RegistryTransport(Options, handler);
    }

    public RegistryClientOptions Options { get; }

    /// <summary>
    /// Gets a manifest or index by tag or digest. By digest, the bytes are checked against it; by
    /// tag, against the registry's <c>Docker-Content-Digest</c> when it sends one.
    /// </summary>
    public async Task<ManifestContent> GetManifestAsync(ImageReference reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var uri = _transport.RepositoryUri(reference.Repository, $"manifests/{reference.ManifestReference}");
        if (reference.Digest is { } pinned)
        {
            RequireSha256(pinned, $"GET {uri}");
        }

        using var response = await _transport.SendAsync(
            reference.Repository,
            [RegistryScopes.Pull(reference.Repository)],
            _ =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, uri);
                foreach (var mediaType in ManifestMediaTypes)
                {
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(mediaType));
                }

                return ValueTask.FromResult(request);
            },
            Ok,
            cancellationToken).ConfigureAwait(false);

        var bytes = await HttpContentReader.ReadLimitedAsync(response, BlobExtensions.MaxDocumentSize, "manifest", cancellationToken).ConfigureAwait(false);
        var expected = reference.Digest ?? HeaderDigest(response);
        var actual = Digest.Sha256(bytes);
        if (expected is not null && actual != expected)
        {
            throw new RegistryException(
                $"GET {uri}: the manifest's digest is {actual}, not {expected}"
                + (reference.Digest is null ? " as the registry's Docker-Content-Digest says." : " as requested."));
        }

        return new ManifestContent(ManifestMediaType(response, bytes, uri), actual, bytes);
    }

    /// <summary>Whether the repository has the blob (HEAD; no bytes are sent).</summary>
    public Task<bool> BlobExistsAsync(RepositoryName repository, Digest digest, CancellationToken cancellationToken = default) =>
        BlobExistsAsync(repository, digest, [RegistryScopes.Pull(repository)], cancellationToken);

    /// <summary>
    /// Opens a blob for streaming. The stream throws at its end when the bytes do not match the
    /// descriptor's digest and size. Dispose it to release the connection.
    /// </summary>
    public async Task<Stream> OpenBlobAsync(RepositoryName repository, Descriptor blob, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(blob);
        var uri = _transport.RepositoryUri(repository, $"blobs/{blob.Digest}");
        var response = await _transport.SendAsync(
            repository,
            [RegistryScopes.Pull(repository)],
            _ => ValueTask.FromResult(new HttpRequestMessage(HttpMethod.Get, uri)),
            Ok,
            cancellationToken).ConfigureAwait(false);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new VerifyingReadStream(body, blob, $"GET {uri}", owner: response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes sure the repository has the blob: nothing to do when it has it already; else a
    /// cross-repository mount from <paramref name="mountFrom"/> (same registry only) when given;
    /// else, or when the registry declines the mount, an upload of <paramref name="openContent"/>
    /// — in one PUT up to <see cref="RegistryClientOptions.MonolithicUploadLimit"/>, in chunks above.
    /// </summary>
    /// <param name="openContent">Opens the blob's bytes from the start; called again when a one-PUT upload is retried.</param>
    public async Task<BlobPushOutcome> PushBlobAsync(
        RepositoryName repository,
        Descriptor blob,
        Func<CancellationToken, Task<Stream>> openContent,
        RepositoryName? mountFrom = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(openContent);
        if (mountFrom is not null && (mountFrom.Registry != repository.Registry || mountFrom == repository))
        {
            mountFrom = null; // a mount links blobs between repositories of one registry only
        }

        string[] scopes = mountFrom is null
            ? [RegistryScopes.PullPush(repository)]
            : [RegistryScopes.PullPush(repository), RegistryScopes.Pull(mountFrom)];
        if (await BlobExistsAsync(repository, blob.Digest, scopes, cancellationToken).ConfigureAwait(false))
        {
            return BlobPushOutcome.AlreadyExists;
        }

        var start = _transport.RepositoryUri(repository, "blobs/uploads/");
        if (mountFrom is not null)
        {
            start = new Uri($"{start.AbsoluteUri}?mount={Uri.EscapeDataString(blob.Digest.ToString())}&from={Uri.EscapeDataString(mountFrom.Path)}");
        }

        Uri location;
        using (var started = await _transport.SendAsync(
            repository,
            scopes,
            _ => ValueTask.FromResult(new HttpRequestMessage(HttpMethod.Post, start) { Content = new ByteArrayContent([]) }),
            CreatedOrAccepted,
            cancellationToken).ConfigureAwait(false))
        {
            if (started.StatusCode == HttpStatusCode.Created)
            {
                return BlobPushOutcome.Mounted;
            }

            location = UploadLocation(started);
        }

        var upload = new Upload(repository, scopes, blob, openContent);
        await (blob.Size <= Options.MonolithicUploadLimit
            ? UploadMonolithicAsync(upload, location, cancellationToken)
            : UploadChunkedAsync(upload, location, cancellationToken)).ConfigureAwait(false);

        return BlobPushOutcome.Uploaded;
    }

    /// <summary>
    /// Puts a manifest or index under a tag or its digest, sent as its exact bytes with
    /// <paramref name="mediaType"/> as Content-Type. Returns its digest, checked against the registry's.
    /// </summary>
    public async Task<Digest> PutManifestAsync(
        RepositoryName repository,
        string tagOrDigest,
        string mediaType,
        ReadOnlyMemory<byte> manifest,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repository);
        ArgumentException.ThrowIfNullOrEmpty(tagOrDigest);
        ArgumentException.ThrowIfNullOrEmpty(mediaType);
        var digest = Digest.Sha256(manifest.Span);
        var uri = _transport.RepositoryUri(repository, $"manifests/{tagOrDigest}");
        using var response = await _transport.SendAsync(
            repository,
            [RegistryScopes.PullPush(repository)],
            _ =>
            {
                var content = new ReadOnlyMemoryContent(manifest);
                content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
                return ValueTask.FromResult(new HttpRequestMessage(HttpMethod.Put, uri) { Content = content });
            },
            Created,
            cancellationToken).ConfigureAwait(false);

        if (HeaderDigest(response) is { } stored && stored != digest)
        {
            throw new RegistryException($"PUT {uri}: the registry stored the manifest as {stored}, but its bytes have digest {digest}.");
        }

        return digest;
    }

    private async Task<bool> BlobExistsAsync(RepositoryName repository, Digest digest, IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(repository);
        var uri = _transport.RepositoryUri(repository, $"blobs/{digest}");
        using var response = await _transport.SendAsync(
            repository,
            scopes,
            _ => ValueTask.FromResult(new HttpRequestMessage(HttpMethod.Head, uri)),
            OkOrNotFound,
            cancellationToken).ConfigureAwait(false);
        return response.StatusCode == HttpStatusCode.OK;
    }

    private async Task UploadMonolithicAsync(Upload upload, Uri location, CancellationToken cancellationToken)
    {
        var uri = WithDigest(location, upload.Blob.Digest);
        using var response = await _transport.SendAsync(
            upload.Repository,
            upload.Scopes,
            async ct =>
            {
                var content = new StreamContent(await upload.OpenContent(ct).ConfigureAwait(false));
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                content.Headers.ContentLength = upload.Blob.Size;
                return new HttpRequestMessage(HttpMethod.Put, uri) { Content = content };
            },
            Created,
            cancellationToken).ConfigureAwait(false);
    }

    // PATCH chunk by chunk (each one retried from its buffer), then PUT ?digest= with no body.
    private async Task UploadChunkedAsync(Upload upload, Uri location, CancellationToken cancellationToken)
    {
        var (repository, scopes, blob, _) = upload;
        var buffer = ArrayPool<byte>.Shared.Rent(Options.UploadChunkSize);
        try
        {
            await using var source = await upload.OpenContent(cancellationToken).ConfigureAwait(false);
            long offset = 0;
            while (offset < blob.Size)
            {
                var wanted = (int)Math.Min(Options.UploadChunkSize, blob.Size - offset);
                var length = await source.ReadAtLeastAsync(buffer.AsMemory(0, wanted), wanted, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                if (length < wanted)
                {
                    throw new InvalidDataException($"Blob {blob.Digest} ended after {offset + length} of its {blob.Size} bytes.");
                }

                var chunk = buffer.AsMemory(0, length);
                var (start, end, target) = (offset, offset + length - 1, location);
                using var response = await _transport.SendAsync(
                    repository,
                    scopes,
                    _ =>
                    {
                        var content = new ReadOnlyMemoryContent(chunk);
                        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                        content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{end}");
                        return ValueTask.FromResult(new HttpRequestMessage(HttpMethod.Patch, target) { Content = content });
                    },
                    Accepted,
                    cancellationToken).ConfigureAwait(false);

                // The registry says how much it has: "0-<last byte>". Anything else means lost bytes.
                if (response.Headers.TryGetValues("Range", out var ranges) && ranges.FirstOrDefault() is { } range && range != $"0-{end}")
                {
                    throw new RegistryException($"PATCH {target}: the registry holds bytes {range} of blob {blob.Digest}, expected 0-{end}.");
                }

                location = UploadLocation(response);
                offset += length;
            }

            using var done = await _transport.SendAsync(
                repository,
                scopes,
                _ => ValueTask.FromResult(new HttpRequestMessage(HttpMethod.Put, WithDigest(location, blob.Digest)) { Content = new ByteArrayContent([]) }),
                Created,
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Content is hashed with sha256 only (the blob stores are sha256 stores); other algorithms
    // the OCI spec registers are refused up front instead of failing as a mismatch.
    internal static void RequireSha256(Digest digest, string origin)
    {
        if (digest.Algorithm != "sha256")
        {
            throw new NotSupportedException($"{origin}: {digest} is a {digest.Algorithm} digest; only sha256 content can be verified.");
        }
    }

    private static Uri UploadLocation(HttpResponseMessage response)
    {
        var location = response.Headers.Location
            ?? throw new RegistryException($"{HttpContentReader.Describe(response)}: the registry's {(int)response.StatusCode} answer has no Location for the upload.");
        return location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
    }

    // AbsoluteUri keeps the escapes of the registry's opaque upload state; ToString would undo them.
    private static Uri WithDigest(Uri location, Digest digest)
    {
        var separator = string.IsNullOrEmpty(location.Query) ? "?" : "&";
        return new Uri($"{location.AbsoluteUri}{separator}digest={Uri.EscapeDataString(digest.ToString())}");
    }

    private static Digest? HeaderDigest(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault(), out var digest)
            ? digest
            : null;

    // Registries answer with the manifest's media type; an old or odd one says application/json,
    // and then the document's own mediaType (or its shape) tells.
    private static string ManifestMediaType(HttpResponseMessage response, byte[] bytes, Uri uri)
    {
        var declared = response.Content.Headers.ContentType?.MediaType;
        if (ManifestMediaTypes.Contains(declared))
        {
            return declared!;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("mediaType", out var mediaType) && mediaType.ValueKind == JsonValueKind.String
                    && ManifestMediaTypes.Contains(mediaType.GetString()))
                {
                    return mediaType.GetString()!;
                }

                if (root.TryGetProperty("manifests", out _))
                {
                    return MediaTypes.OciIndex;
                }

                if (root.TryGetProperty("config", out _))
                {
                    return MediaTypes.OciManifest;
                }
            }
        }
        catch (JsonException)
        {
        }

        throw new RegistryException($"GET {uri}: the answer ({declared ?? "no Content-Type"}) is not an image manifest or index.");
    }

    public void Dispose() => _transport.Dispose();

    /// <summary>A blob going into an upload session the registry opened.</summary>
    private sealed record Upload(RepositoryName Repository, IReadOnlyList<string> Scopes, Descriptor Blob, Func<CancellationToken, Task<Stream>> OpenContent);
}
