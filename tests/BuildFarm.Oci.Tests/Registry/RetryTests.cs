using System.Net;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.Images;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry;
using BuildFarm.Testing;

namespace BuildFarm.Oci.Tests.Registry;

/// <summary>Faults injected in front of a real registry: 5xx and network errors are retried with backoff, 4xx never.</summary>
public sealed class RetryTests(RegistryFixture registry) : RegistryTestBase(registry)
{
    private static readonly TimeSpan Half = TimeSpan.FromMilliseconds(500);

    private readonly FastForwardTimeProvider _clock = new();

    private RegistryClient Client(int maxAttempts = 4, RegistryClientOptions? options = null) => new(
        (options ?? new RegistryClientOptions()) with
        {
            TimeProvider = _clock,
            Retry = new RetryPolicy { MaxAttempts = maxAttempts, InitialDelay = Half, MaxDelay = TimeSpan.FromSeconds(30) },
        },
        Http);

    private string Url(string pathAndQuery) => $"http://{Host}{pathAndQuery}";

    /// <summary>Answers the first <paramref name="times"/> requests that match with <paramref name="status"/>.</summary>
    private void Fail(Func<HttpRequestMessage, bool> match, HttpStatusCode status, int times = int.MaxValue)
    {
        var left = times;
        Http.Fault = request => match(request) && Interlocked.Decrement(ref left) >= 0 ? new HttpResponseMessage(status) : null;
    }

    private static bool Is(HttpRequestMessage request, HttpMethod method, string pathPart) =>
        request.Method == method && request.RequestUri!.PathAndQuery.Contains(pathPart, StringComparison.Ordinal);

    private async Task<BusyboxSource> PushBusyboxAsync(string path)
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var client = new RegistryClient();
        await new ImagePusher(client).PushAsync(Repository(path), busybox.Manifest, busybox.Blobs, ["v1"]);
        return busybox;
    }

    [Fact]
    public async Task Server_errors_are_retried_after_doubling_delays()
    {
        var busybox = await PushBusyboxAsync("retry/ok");
        Fail(r => Is(r, HttpMethod.Get, "/manifests/"), HttpStatusCode.ServiceUnavailable, times: 2);
        using var client = Client();

        var manifest = await client.GetManifestAsync(ImageReference.Parse($"{Host}/retry/ok:v1"));

        Assert.Equal(busybox.Manifest.Digest, manifest.Digest);
        Assert.Equal(
            ["GET /v2/retry/ok/manifests/v1 -> 503", "GET /v2/retry/ok/manifests/v1 -> 503", "GET /v2/retry/ok/manifests/v1 -> 200"],
            Http.Requests.Select(r => r.ToString()));
        Assert.Equal([Half, 2 * Half], _clock.Delays);
    }

    [Fact]
    public async Task Server_errors_give_up_after_the_last_attempt_with_the_last_answer()
    {
        Fail(r => true, HttpStatusCode.BadGateway);
        using var client = Client();

        var error = await Assert.ThrowsAsync<RegistryException>(
            () => client.GetManifestAsync(ImageReference.Parse($"{Host}/retry/down:v1")));

        Assert.Equal($"GET {Url("/v2/retry/down/manifests/v1")}: 502 Bad Gateway", error.Message);
        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Equal(4, Http.Requests.Count);
        Assert.Equal([Half, 2 * Half, 4 * Half], _clock.Delays);
    }

    [Fact]
    public async Task Client_errors_are_never_retried()
    {
        Fail(r => Is(r, HttpMethod.Put, "/manifests/"), HttpStatusCode.BadRequest);
        var busybox = await BusyboxSource.LoadAsync();
        using var client = Client();

        var error = await Assert.ThrowsAsync<RegistryException>(
            () => new ImagePusher(client).PushAsync(Repository("retry/bad"), busybox.Manifest, busybox.Blobs, ["v1"]));

        Assert.Equal($"PUT {Url("/v2/retry/bad/manifests/v1")}: 400 Bad Request", error.Message);
        Assert.Single(Http.Requests, r => r.Method == HttpMethod.Put && r.PathAndQuery.Contains("/manifests/", StringComparison.Ordinal));
        Assert.Empty(_clock.Delays);
    }

    [Fact]
    public async Task A_real_404_is_answered_once_without_waiting()
    {
        using var client = Client();

        await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(ImageReference.Parse($"{Host}/retry/none:v1")));

        Assert.Equal(["GET /v2/retry/none/manifests/v1 -> 404"], Http.Requests.Select(r => r.ToString()));
        Assert.Empty(_clock.Delays);
    }

    [Fact]
    public async Task A_network_error_during_a_one_put_upload_reopens_the_source_and_sends_again()
    {
        var busybox = await BusyboxSource.LoadAsync();
        var failures = 1;
        Http.Fault = request => Is(request, HttpMethod.Put, "/blobs/uploads/") && Interlocked.Decrement(ref failures) >= 0
            ? throw new HttpRequestException("connection reset (injected)")
            : null;
        var source = new CountingSource(busybox.Blobs);
        using var client = Client();

        await new ImagePusher(client).PushAsync(Repository("retry/network"), busybox.Manifest, source, ["v1"]);

        Assert.Equal(1, Http.Requests.Count(r => r.Status is null));
        Assert.Equal(3, source.Opens.Count(d => d != busybox.Manifest.Digest)); // config and layer, one of them twice
        Assert.Equal([Half], _clock.Delays);
        Assert.Equal(busybox.Image.ManifestDigest, await Skopeo.InspectDigestAsync($"docker://{Host}/retry/network:v1"));
    }

    [Fact]
    public async Task Network_errors_give_up_after_the_last_attempt_naming_the_request()
    {
        Http.Fault = _ => throw new HttpRequestException("connection refused (injected)");
        using var client = Client(maxAttempts: 2);
        var digest = Digest.Sha256("x"u8);

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.BlobExistsAsync(Repository("retry/gone"), digest));

        Assert.Equal($"HEAD {Url($"/v2/retry/gone/blobs/{digest}")}: failed after 2 attempt(s): connection refused (injected)", error.Message);
        Assert.Null(error.StatusCode);
        Assert.IsType<HttpRequestException>(error.InnerException);
    }

    [Fact]
    public async Task A_failed_chunk_is_sent_again_with_the_same_range()
    {
        var busybox = await BusyboxSource.LoadAsync();
        const int chunk = 256 * 1024;
        var patches = 0;
        Http.Fault = request => Is(request, HttpMethod.Patch, "/blobs/uploads/") && Interlocked.Increment(ref patches) == 2
            ? new HttpResponseMessage(HttpStatusCode.InternalServerError)
            : null;
        using var client = Client(options: new RegistryClientOptions { MonolithicUploadLimit = 0, UploadChunkSize = chunk });

        await new ImagePusher(client).PushAsync(Repository("retry/chunks"), busybox.Manifest, busybox.Blobs, ["v1"]);

        var layerChunks = (int)((busybox.Layer.Size + chunk - 1) / chunk);
        Assert.Equal(1 + layerChunks + 1, Http.Requests.Count(r => r.Method == HttpMethod.Patch)); // config: one chunk
        Assert.Single(Http.Requests, r => r.Status == HttpStatusCode.InternalServerError);
        Assert.Equal([Half], _clock.Delays);
        Assert.Equal(busybox.Image.ManifestDigest, await Skopeo.InspectDigestAsync($"docker://{Host}/retry/chunks:v1"));
    }

    private sealed class CountingSource(IBlobReader inner) : IBlobReader
    {
        private readonly List<Digest> _opens = [];

        public IReadOnlyList<Digest> Opens
        {
            get
            {
                lock (_opens)
                {
                    return [.. _opens];
                }
            }
        }

        public ValueTask<Stream> OpenReadAsync(Digest digest, CancellationToken cancellationToken)
        {
            lock (_opens)
            {
                _opens.Add(digest);
            }

            return inner.OpenReadAsync(digest, cancellationToken);
        }

        public ValueTask<bool> ExistsAsync(Digest digest, CancellationToken cancellationToken) => inner.ExistsAsync(digest, cancellationToken);
    }
}
