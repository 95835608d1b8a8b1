using System.Text;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.Layout;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry;
using BuildFarm.Testing;

namespace BuildFarm.Oci.Tests.Registry;

public sealed class PullTests(RegistryFixture registry) : RegistryTestBase(registry)
{
    /// <summary>Pushes the busybox image with skopeo, the independent peer, to <paramref name="pathAndTag"/>.</summary>
    private async Task<BusyboxSource> PushWithSkopeoAsync(string pathAndTag, params string[] options)
    {
        var busybox = await BusyboxSource.LoadAsync();
        await Skopeo.CopyAsync($"oci-archive:{busybox.Image.ArchivePath}:{BusyboxImage.RefName}", Docker(pathAndTag), options);
        return busybox;
    }

    private DirectoryBlobStore Sink(string name) => new(Temp.Combine(name));

    private static IEnumerable<string> StoredBlobs(DirectoryBlobStore store) =>
        Directory.EnumerateFiles(Path.Combine(store.Root, "sha256")).Select(Path.GetFileName).Order()!;

    [Fact]
    public async Task Pulls_by_tag_what_skopeo_pushed_and_every_blob_matches_its_digest()
    {
        var busybox = await PushWithSkopeoAsync("pull/busybox:v1");
        var sink = Sink("pulled");
        using var client = new RegistryClient(handler: Http);

        var pulled = await new ImagePuller(client).PullAsync(Reference("pull/busybox:v1"), sink);

        Assert.Equal($"{Host}/pull/busybox@{busybox.Image.ManifestDigest}", pulled.Reference.ToString());
        Assert.Equal(busybox.Manifest with { Annotations = null, Platform = null }, pulled.Manifest);
        Assert.Equal(busybox.Parsed.ToJson(), pulled.Image.ToJson());
        Assert.Null(pulled.Index);
        Assert.Equal(
            new[] { busybox.Manifest.Digest, busybox.Config.Digest, busybox.Layer.Digest }.Select(d => d.Hex).Order(),
            StoredBlobs(sink));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(sink.Root, "sha256")))
        {
            Assert.Equal(Path.GetFileName(file), Digest.Sha256(await File.ReadAllBytesAsync(file)).Hex);
        }

        var get = Assert.Single(Http.Requests, r => r.PathAndQuery == "/v2/pull/busybox/manifests/v1");
        Assert.Equal(System.Net.HttpStatusCode.OK, get.Status);
    }

    [Fact]
    public async Task Pulls_by_digest_and_skips_blobs_the_sink_already_has()
    {
        var busybox = await PushWithSkopeoAsync("bydigest/busybox:v1");
        var sink = Sink("pulled");
        using var client = new RegistryClient(handler: Http);
        var puller = new ImagePuller(client);
        await puller.PullAsync(Reference("bydigest/busybox:v1"), sink);
        Http.Clear();

        var pulled = await puller.PullAsync(Reference($"bydigest/busybox@{busybox.Image.ManifestDigest}"), sink);

        Assert.Equal(busybox.Manifest.Digest, pulled.Manifest.Digest);
        Assert.Equal([$"GET /v2/bydigest/busybox/manifests/{busybox.Image.ManifestDigest} -> 200"], Http.Requests.Select(r => r.ToString()));
    }

    [Fact]
    public async Task Pulls_a_docker_schema2_image_with_its_media_types()
    {
        var busybox = await PushWithSkopeoAsync("docker2/busybox:v1", "--format", "v2s2");
        var sink = Sink("pulled");
        using var client = new RegistryClient(handler: Http);

        var pulled = await new ImagePuller(client).PullAsync(Reference("docker2/busybox:v1"), sink);

        Assert.Equal(await Skopeo.InspectDigestAsync(Docker("docker2/busybox:v1")), pulled.Manifest.Digest.ToString());
        Assert.Equal(MediaTypes.DockerManifest, pulled.Manifest.MediaType);
        Assert.Equal(MediaTypes.DockerConfig, pulled.Image.Config.MediaType);
        Assert.Equal(busybox.Config.Digest, pulled.Image.Config.Digest);
        Assert.Equal(MediaTypes.DockerLayerGzip, Assert.Single(pulled.Image.Layers).MediaType);
        Assert.Equal(busybox.Layer.Digest, pulled.Image.Layers[0].Digest);
        Assert.Equal(
            await Skopeo.InspectRawAsync(Docker("docker2/busybox:v1")),
            await File.ReadAllTextAsync(sink.PathOf(pulled.Manifest.Digest)));
    }

    [Fact]
    public async Task An_index_resolves_to_the_asked_platform_linux_amd64_by_default()
    {
        var busybox = await BusyboxSource.LoadAsync();
        var (index, arm64) = await WriteMultiPlatformLayoutAsync(busybox, Temp.Combine("multi"));
        await Skopeo.CopyAsync($"oci:{Temp.Combine("multi")}:multi", Docker("multi/busybox:v1"), "--all");
        using var client = new RegistryClient(handler: Http);
        var puller = new ImagePuller(client);

        var amd64Sink = Sink("amd64");
        var pulled = await puller.PullAsync(Reference("multi/busybox:v1"), amd64Sink);

        Assert.Equal(busybox.Manifest.Digest, pulled.Manifest.Digest);
        Assert.Equal(new Platform { OS = "linux", Architecture = "amd64" }, pulled.Manifest.Platform);
        Assert.Equal(index.Digest, pulled.Index?.Digest);
        Assert.Equal(MediaTypes.OciIndex, pulled.Index?.MediaType);
        Assert.Equal(
            new[] { index.Digest, busybox.Manifest.Digest, busybox.Config.Digest, busybox.Layer.Digest }.Select(d => d.Hex).Order(),
            StoredBlobs(amd64Sink));

        var armPulled = await puller.PullAsync(Reference($"multi/busybox@{index.Digest}"), Sink("arm64"), Platform.Parse("linux/arm64"));
        Assert.Equal(arm64.Digest, armPulled.Manifest.Digest);
        Assert.Equal("linux/arm64/v8", armPulled.Manifest.Platform?.ToString());

        var error = await Assert.ThrowsAsync<RegistryException>(
            () => puller.PullAsync(Reference("multi/busybox:v1"), Sink("s390x"), Platform.Parse("linux/s390x")));
        Assert.Equal(
            $"{Host}/multi/busybox:v1: the index has no manifest for linux/s390x; it has linux/amd64, linux/arm64/v8.",
            error.Message);
    }

    [Fact]
    public async Task A_pushed_index_with_its_manifests_is_what_skopeo_copies_back()
    {
        var busybox = await BusyboxSource.LoadAsync();
        var layout = Temp.Combine("multi");
        var (index, arm64) = await WriteMultiPlatformLayoutAsync(busybox, layout);
        using var client = new RegistryClient(handler: Http);

        var result = await new ImagePusher(client).PushAsync(
            Repository("pushindex/busybox"), index, BusyboxSource.LayoutBlobs(layout), ["v1"]);

        Assert.Equal(
            [busybox.Config.Digest, busybox.Layer.Digest, arm64Config(arm64)],
            result.Blobs.Select(b => b.Blob.Digest));
        Assert.Equal(
            new[]
            {
                $"PUT /v2/pushindex/busybox/manifests/{busybox.Manifest.Digest} -> 201",
                $"PUT /v2/pushindex/busybox/manifests/{arm64.Digest} -> 201",
                "PUT /v2/pushindex/busybox/manifests/v1 -> 201",
            },
            Requests("/manifests/"));
        Assert.Equal(
            await File.ReadAllTextAsync(BusyboxSource.LayoutBlobs(layout).PathOf(index.Digest)),
            await Skopeo.InspectRawAsync(Docker("pushindex/busybox:v1")));
        var copy = Temp.Combine("copy");
        await Skopeo.CopyAsync(Docker("pushindex/busybox:v1"), $"oci:{copy}:v1", "--all");
        Assert.Equal(
            await File.ReadAllBytesAsync(BusyboxSource.LayoutBlobs(layout).PathOf(arm64.Digest)),
            await File.ReadAllBytesAsync(BusyboxSource.LayoutBlobs(copy).PathOf(arm64.Digest)));

        Digest arm64Config(Descriptor manifest) =>
            ImageManifest.Parse(File.ReadAllBytes(BusyboxSource.LayoutBlobs(layout).PathOf(manifest.Digest))).Config.Digest;
    }

    [Fact]
    public async Task A_corrupted_blob_fails_the_pull_and_is_not_kept()
    {
        var busybox = await PushWithSkopeoAsync("corrupt/busybox:v1");
        var sink = Sink("pulled");
        Http.Transform = async response =>
        {
            if (!response.RequestMessage!.RequestUri!.AbsolutePath.EndsWith(busybox.Layer.Digest.ToString(), StringComparison.Ordinal))
            {
                return response;
            }

            var bytes = await response.Content.ReadAsByteArrayAsync();
            bytes[bytes.Length / 2] ^= 0xFF;
            response.Content = new ByteArrayContent(bytes);
            return response;
        };

        // One transfer at a time: the config is complete before the layer fails.
        using var client = new RegistryClient(new RegistryClientOptions { MaxConcurrentTransfers = 1 }, Http);

        var error = await Assert.ThrowsAsync<InvalidDataException>(
            () => new ImagePuller(client).PullAsync(Reference("corrupt/busybox:v1"), sink));

        Assert.StartsWith(
            $"GET http://{Host}/v2/corrupt/busybox/blobs/{busybox.Layer.Digest}: the content's digest is sha256:",
            error.Message);
        Assert.EndsWith($", not the expected {busybox.Layer.Digest}.", error.Message);
        Assert.Equal([busybox.Config.Digest.Hex], StoredBlobs(sink));
    }

    [Fact]
    public async Task A_manifest_that_does_not_match_the_asked_digest_is_refused()
    {
        var busybox = await PushWithSkopeoAsync("tampered/busybox:v1");
        Http.Transform = async response =>
        {
            if (response.RequestMessage!.RequestUri!.AbsolutePath.Contains("/manifests/", StringComparison.Ordinal))
            {
                var json = (await response.Content.ReadAsStringAsync()).Replace("\"size\":", "\"size\": ", StringComparison.Ordinal);
                var contentType = response.Content.Headers.ContentType;
                response.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
                response.Content.Headers.ContentType = contentType;
            }

            return response;
        };
        using var client = new RegistryClient(handler: Http);
        var reference = Reference($"tampered/busybox@{busybox.Image.ManifestDigest}");

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(reference));

        var tampered = Digest.Sha256(Encoding.UTF8.GetBytes(
            (await File.ReadAllTextAsync(busybox.Blobs.PathOf(busybox.Manifest.Digest))).Replace("\"size\":", "\"size\": ", StringComparison.Ordinal)));
        Assert.Equal(
            $"GET http://{Host}/v2/tampered/busybox/manifests/{busybox.Image.ManifestDigest}: the manifest's digest is {tampered}, not {busybox.Image.ManifestDigest} as requested.",
            error.Message);

        // By tag the registry's Docker-Content-Digest is the reference point.
        var byTag = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Reference("tampered/busybox:v1")));
        Assert.Equal(
            $"GET http://{Host}/v2/tampered/busybox/manifests/v1: the manifest's digest is {tampered}, not {busybox.Image.ManifestDigest} as the registry's Docker-Content-Digest says.",
            byTag.Message);
    }

    [Fact]
    public async Task A_missing_tag_is_a_404_with_the_registrys_error_code()
    {
        using var client = new RegistryClient(handler: Http);

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(Reference("nothing/here:v1")));

        Assert.Equal(
            $"GET http://{Host}/v2/nothing/here/manifests/v1: 404 Not Found: MANIFEST_UNKNOWN: manifest unknown",
            error.Message);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal([new RegistryError("MANIFEST_UNKNOWN", "manifest unknown")], error.Errors);
    }

    /// <summary>
    /// Busybox's blobs plus an arm64/v8 variant (same layer, its own config) and an index of the
    /// two, written as an OCI layout that names the index "multi". Returns the index and the arm64 manifest.
    /// </summary>
    private async Task<(Descriptor Index, Descriptor Arm64)> WriteMultiPlatformLayoutAsync(BusyboxSource busybox, string layout)
    {
        var store = Sink("store-" + Path.GetFileName(layout));
        foreach (var blob in new[] { busybox.Manifest, busybox.Config, busybox.Layer })
        {
            await using var content = await busybox.Blobs.OpenReadAsync(blob.Digest);
            await store.WriteBlobAsync(content, blob.Digest);
        }

        var armConfig = await store.WriteBlobAsync(MediaTypes.OciConfig, Encoding.UTF8.GetBytes(
            (await File.ReadAllTextAsync(busybox.Blobs.PathOf(busybox.Config.Digest)))
            .Replace("\"architecture\":\"amd64\"", "\"architecture\":\"arm64\",\"variant\":\"v8\"", StringComparison.Ordinal)));
        var armManifest = await store.WriteBlobAsync(MediaTypes.OciManifest, (busybox.Parsed with { Config = armConfig }).ToJson());
        armManifest = armManifest with { Platform = Platform.Parse("linux/arm64/v8") };
        var index = await store.WriteBlobAsync(MediaTypes.OciIndex, new ImageIndex
        {
            Manifests = [busybox.Manifest with { Annotations = null, Platform = Platform.Parse("linux/amd64") }, armManifest],
        }.ToJson());

        await OciLayout.ExportToDirectoryAsync(store, [new TaggedImage(index, ["multi"])], layout);
        return (index, armManifest);
    }
}
