using System.Net;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry;
using BuildFarm.Testing;

namespace BuildFarm.Oci.Tests.Registry;

public sealed class PushTests(RegistryFixture registry) : RegistryTestBase(registry)
{
    private RegistryClient Client(RegistryClientOptions? options = null) => new(options, Http);

    private IEnumerable<RecordedRequest> Uploads() =>
        Http.Requests.Where(r => r.Method != HttpMethod.Head && r.PathAndQuery.Contains("/blobs/", StringComparison.Ordinal));

    [Fact]
    public async Task A_pushed_image_is_what_skopeo_pulls_byte_for_byte()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var client = Client();

        var result = await new ImagePusher(client).PushAsync(Repository("push/busybox"), busybox.Manifest, busybox.Blobs, ["1.35"]);

        Assert.Equal(busybox.Manifest, result.Manifest);
        Assert.Equal([$"{Host}/push/busybox:1.35"], result.References.Select(r => r.ToString()));
        Assert.Equal(
            [new PushedBlob(busybox.Config, BlobPushOutcome.Uploaded), new PushedBlob(busybox.Layer, BlobPushOutcome.Uploaded)],
            result.Blobs);
        Assert.Equal(busybox.Image.ManifestDigest, await Skopeo.InspectDigestAsync(Docker("push/busybox:1.35")));
        Assert.Equal(
            await File.ReadAllTextAsync(busybox.Blobs.PathOf(busybox.Manifest.Digest)),
            await Skopeo.InspectRawAsync(Docker("push/busybox:1.35")));

        var copy = Temp.Combine("copy");
        await Skopeo.CopyAsync(Docker("push/busybox:1.35"), $"oci:{copy}:copy");
        foreach (var blob in new[] { busybox.Manifest, busybox.Config, busybox.Layer })
        {
            Assert.Equal(
                await File.ReadAllBytesAsync(busybox.Blobs.PathOf(blob.Digest)),
                await File.ReadAllBytesAsync(BusyboxSource.LayoutBlobs(copy).PathOf(blob.Digest)));
        }
    }

    [Fact]
    public async Task Without_tags_the_manifest_is_pushed_by_digest()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var client = Client();

        var result = await new ImagePusher(client).PushAsync(Repository("untagged/busybox"), busybox.Manifest, busybox.Blobs, []);

        Assert.Equal([$"{Host}/untagged/busybox@{busybox.Manifest.Digest}"], result.References.Select(r => r.ToString()));
        Assert.Equal(
            [$"PUT /v2/untagged/busybox/manifests/{busybox.Manifest.Digest} -> 201"],
            Requests("/manifests/"));
        Assert.Equal(busybox.Image.ManifestDigest, await Skopeo.InspectDigestAsync(Docker($"untagged/busybox@{busybox.Manifest.Digest}"), "--no-tags"));
    }

    [Fact]
    public async Task A_second_push_skips_every_blob_after_one_HEAD_each()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var client = Client();
        var pusher = new ImagePusher(client);
        await pusher.PushAsync(Repository("again/busybox"), busybox.Manifest, busybox.Blobs, ["v1"]);
        Http.Clear();

        var result = await pusher.PushAsync(Repository("again/busybox"), busybox.Manifest, busybox.Blobs, ["v1"]);

        Assert.Equal([BlobPushOutcome.AlreadyExists, BlobPushOutcome.AlreadyExists], result.Blobs.Select(b => b.Outcome));
        Assert.Equal(
            new[]
            {
                $"HEAD /v2/again/busybox/blobs/{busybox.Config.Digest} -> 200",
                $"HEAD /v2/again/busybox/blobs/{busybox.Layer.Digest} -> 200",
                "PUT /v2/again/busybox/manifests/v1 -> 201",
            }.Order(),
            Http.Requests.Select(r => r.ToString()).Order());
    }

    [Fact]
    public async Task Two_tags_in_one_push_upload_each_blob_once()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var client = Client();

        var result = await new ImagePusher(client).PushAsync(Repository("tags/app"), busybox.Manifest, busybox.Blobs, ["3f2a1bc", "latest"]);

        Assert.Equal(["3f2a1bc", "latest"], result.References.Select(r => r.Tag));
        Assert.Equal(2, Http.Requests.Count(r => r.Method == HttpMethod.Post));
        Assert.Equal(
            ["PUT /v2/tags/app/manifests/3f2a1bc -> 201", "PUT /v2/tags/app/manifests/latest -> 201"],
            Requests("/manifests/"));
        Assert.Equal(busybox.Image.ManifestDigest, await Skopeo.InspectDigestAsync(Docker("tags/app:3f2a1bc")));
        Assert.Equal(busybox.Image.ManifestDigest, await Skopeo.InspectDigestAsync(Docker("tags/app:latest")));
    }

    [Fact]
    public async Task Blobs_are_mounted_from_a_repository_that_has_them()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var client = Client();
        var pusher = new ImagePusher(client);
        await pusher.PushAsync(Repository("mount/base"), busybox.Manifest, busybox.Blobs, ["v1"]);
        Http.Clear();

        var result = await pusher.PushAsync(Repository("mount/derived"), busybox.Manifest, busybox.Blobs, ["v1"], mountFrom: Repository("mount/base"));

        Assert.Equal([BlobPushOutcome.Mounted, BlobPushOutcome.Mounted], result.Blobs.Select(b => b.Outcome));
        Assert.Equal(
            new[]
            {
                $"POST /v2/mount/derived/blobs/uploads/?mount={Escaped(busybox.Config.Digest)}&from=mount%2Fbase -> 201",
                $"POST /v2/mount/derived/blobs/uploads/?mount={Escaped(busybox.Layer.Digest)}&from=mount%2Fbase -> 201",
            }.Order(),
            Uploads().Select(r => r.ToString()).Order());
        Assert.Equal(busybox.Image.ManifestDigest, await Skopeo.InspectDigestAsync(Docker("mount/derived:v1")));
    }

    [Fact]
    public async Task A_declined_mount_falls_back_to_uploading_into_the_session_the_registry_opened()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var client = Client();

        var result = await new ImagePusher(client).PushAsync(
            Repository("fallback/app"), busybox.Manifest, busybox.Blobs, ["v1"], mountFrom: Repository("fallback/empty"));

        Assert.Equal([BlobPushOutcome.Uploaded, BlobPushOutcome.Uploaded], result.Blobs.Select(b => b.Outcome));
        var posts = Http.Requests.Where(r => r.Method == HttpMethod.Post).ToList();
        Assert.Equal(2, posts.Count);
        Assert.All(posts, p => Assert.Equal(HttpStatusCode.Accepted, p.Status));
        Assert.All(posts, p => Assert.Contains("&from=fallback%2Fempty", p.PathAndQuery, StringComparison.Ordinal));
        Assert.Equal(2, Http.Requests.Count(r => r.Method == HttpMethod.Put && r.PathAndQuery.Contains("/blobs/uploads/", StringComparison.Ordinal)));
        Assert.Equal(busybox.Image.ManifestDigest, await Skopeo.InspectDigestAsync(Docker("fallback/app:v1")));
    }

    [Fact]
    public async Task Big_blobs_go_up_in_chunks_with_content_ranges()
    {
        var busybox = await BusyboxSource.LoadAsync();
        const int chunk = 256 * 1024;
        using var client = Client(new RegistryClientOptions { MonolithicUploadLimit = 64 * 1024, UploadChunkSize = chunk });

        await new ImagePusher(client).PushAsync(Repository("chunked/busybox"), busybox.Manifest, busybox.Blobs, ["v1"]);

        var patches = Http.Requests.Where(r => r.Method == HttpMethod.Patch).ToList();
        Assert.Equal((int)((busybox.Layer.Size + chunk - 1) / chunk), patches.Count);
        Assert.All(patches, p => Assert.Equal(HttpStatusCode.Accepted, p.Status));
        var finalPut = Assert.Single(Http.Requests, r => r.Method == HttpMethod.Put && r.PathAndQuery.Contains(Escaped(busybox.Layer.Digest), StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Created, finalPut.Status);

        var copy = Temp.Combine("copy");
        await Skopeo.CopyAsync(Docker("chunked/busybox:v1"), $"oci:{copy}:v1");
        Assert.Equal(
            await File.ReadAllBytesAsync(busybox.Blobs.PathOf(busybox.Layer.Digest)),
            await File.ReadAllBytesAsync(BusyboxSource.LayoutBlobs(copy).PathOf(busybox.Layer.Digest)));
        Assert.Equal(busybox.Image.ManifestDigest, await Skopeo.InspectDigestAsync(Docker("chunked/busybox:v1")));
    }

    [Fact]
    public async Task A_blob_missing_from_the_source_fails_before_any_tag_is_written()
    {
        var busybox = await BusyboxSource.LoadAsync();
        var store = new DirectoryBlobStore(Temp.Combine("partial"));
        foreach (var blob in new[] { busybox.Manifest, busybox.Config })
        {
            await using var content = await busybox.Blobs.OpenReadAsync(blob.Digest);
            await store.WriteBlobAsync(content, blob.Digest);
        }

        using var client = Client();

        var error = await Assert.ThrowsAsync<BlobNotFoundException>(
            () => new ImagePusher(client).PushAsync(Repository("partial/app"), busybox.Manifest, store, ["v1"]));

        Assert.Equal(busybox.Layer.Digest, error.Digest);
        Assert.DoesNotContain(Http.Requests, r => r.PathAndQuery.Contains("/manifests/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_bad_tag_fails_before_anything_is_sent()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var client = Client();

        await Assert.ThrowsAsync<ArgumentException>(
            () => new ImagePusher(client).PushAsync(Repository("badtag/app"), busybox.Manifest, busybox.Blobs, ["ok", "not ok"]));

        Assert.Empty(Http.Requests);
    }

    private static string Escaped(Digest digest) => Uri.EscapeDataString(digest.ToString());
}
