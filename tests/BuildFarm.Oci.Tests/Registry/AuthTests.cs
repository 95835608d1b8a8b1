using System.Net;
using BuildFarm.Oci.Blobs;
using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry;
using BuildFarm.Oci.Registry.Auth;
using BuildFarm.Testing;

namespace BuildFarm.Oci.Tests.Registry;

/// <summary>Basic auth against a real registry with an htpasswd file.</summary>
public sealed class BasicAuthTests : IAsyncLifetime, IDisposable
{
    private readonly RecordingHandler _http = new();
    private RegistryServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RegistryServer.StartAsync(new RegistryServerOptions
        {
            Auth = RegistryAuth.Htpasswd,
            Users = new Dictionary<string, string> { ["alice"] = "s3cret" },
        });

    private RegistryClient Client(RegistryCredential? credential) => new(
        new RegistryClientOptions { Credentials = credential is null ? NoCredentials.Instance : new StaticCredentials(_server.Host, credential) },
        _http);

    [Fact]
    public async Task Pushes_with_the_credential_after_the_first_challenge_then_sends_it_up_front()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var client = Client(new RegistryCredential("alice", "s3cret"));

        await new ImagePusher(client).PushAsync(RepositoryName.Parse($"{_server.Host}/private/app"), busybox.Manifest, busybox.Blobs, ["v1"]);

        Assert.Equal(HttpStatusCode.Unauthorized, _http.Requests[0].Status);
        Assert.Equal(1, _http.Requests.Count(r => r.Status == HttpStatusCode.Unauthorized));
        Assert.Equal(
            busybox.Image.ManifestDigest,
            await Skopeo.InspectDigestAsync($"docker://{_server.Host}/private/app:v1", "--creds", "alice:s3cret"));
    }

    [Fact]
    public async Task A_wrong_password_is_a_401_that_names_the_user()
    {
        using var client = Client(new RegistryCredential("alice", "wrong"));

        var error = await Assert.ThrowsAsync<RegistryException>(
            () => client.GetManifestAsync(ImageReference.Parse($"{_server.Host}/private/app:v1")));

        Assert.Equal(
            $"GET http://{_server.Host}/v2/private/app/manifests/v1: 401 Unauthorized: UNAUTHORIZED: authentication required (registry {_server.Host} refused the credentials of user 'alice')",
            error.Message);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal(2, _http.Requests.Count);
    }

    [Fact]
    public async Task No_credential_is_a_401_that_says_none_is_configured()
    {
        using var client = Client(null);

        var error = await Assert.ThrowsAsync<RegistryException>(
            () => client.BlobExistsAsync(RepositoryName.Parse($"{_server.Host}/private/app"), Digest.Sha256("x"u8)));

        Assert.Equal(
            $"HEAD http://{_server.Host}/v2/private/app/blobs/{Digest.Sha256("x"u8)}: 401 Unauthorized (registry {_server.Host} requires authentication and no credentials are configured for it)",
            error.Message);
        Assert.Single(_http.Requests);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();
}

/// <summary>
/// The bearer-token flow against a real registry configured with <c>auth: token</c>, whose tokens
/// come from an in-test <see cref="TokenServer"/> (JWTs signed with a self-signed certificate).
/// </summary>
public sealed class BearerAuthTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(5);

    private readonly RecordingHandler _http = new();
    private readonly FastForwardTimeProvider _clock = new();
    private RegistryServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RegistryServer.StartAsync(new RegistryServerOptions
        {
            Auth = RegistryAuth.Token,
            Users = new Dictionary<string, string> { ["alice"] = "s3cret", ["bob"] = "reader" },
            Token = new TokenServerOptions { ReadOnlyUsers = new HashSet<string> { "bob" }, AnonymousPull = true, TokenLifetime = TokenLifetime },
        });

    private TokenServer Tokens => _server.TokenServer!;

    private RepositoryName Repository(string path) => RepositoryName.Parse($"{_server.Host}/{path}");

    private RegistryClient Client(string? user, string? password) => new(
        new RegistryClientOptions
        {
            Credentials = user is null ? NoCredentials.Instance : new StaticCredentials(_server.Host, new RegistryCredential(user, password!)),
            TimeProvider = _clock,
        },
        _http);

    private static string Describe(TokenRequest r) => $"{r.AuthenticatedUser ?? "anonymous"} {string.Join(' ', r.Scopes)} -> {(int)r.Status}";

    [Fact]
    public async Task One_token_per_scope_is_fetched_and_reused_until_it_expires()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var client = Client("alice", "s3cret");
        var repository = Repository("team/app");

        await new ImagePusher(client).PushAsync(repository, busybox.Manifest, busybox.Blobs, ["v1", "latest"]);
        await new ImagePuller(client).PullAsync(ImageReference.ForTag(repository, "v1"), new SkipAllSink());

        Assert.Equal(["alice repository:team/app:pull,push -> 200"], Tokens.Requests.Select(Describe));
        Assert.Equal("alice", Tokens.Requests[0].Account);
        Assert.Equal(RegistryServer.TokenService, Tokens.Requests[0].Service);
        Assert.Equal(1, _http.Requests.Count(r => r.Status == HttpStatusCode.Unauthorized));

        _clock.Advance(TokenLifetime);
        await client.GetManifestAsync(ImageReference.ForTag(repository, "latest"));

        Assert.Equal(
            ["alice repository:team/app:pull,push -> 200", "alice repository:team/app:pull -> 200"],
            Tokens.Requests.Select(Describe));
        Assert.Equal(1, _http.Requests.Count(r => r.Status == HttpStatusCode.Unauthorized));
        Assert.Equal(busybox.Image.ManifestDigest, await Skopeo.InspectDigestAsync($"docker://{_server.Host}/team/app:latest", "--creds", "alice:s3cret"));
    }

    [Fact]
    public async Task A_mount_asks_for_pull_on_the_source_repository_in_the_same_token()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var client = Client("alice", "s3cret");
        var pusher = new ImagePusher(client);
        await pusher.PushAsync(Repository("base/busybox"), busybox.Manifest, busybox.Blobs, ["v1"]);

        var result = await pusher.PushAsync(Repository("team/derived"), busybox.Manifest, busybox.Blobs, ["v1"], mountFrom: Repository("base/busybox"));

        Assert.Equal([BlobPushOutcome.Mounted, BlobPushOutcome.Mounted], result.Blobs.Select(b => b.Outcome));
        Assert.Equal(
            ["alice repository:base/busybox:pull,push -> 200", "alice repository:team/derived:pull,push repository:base/busybox:pull -> 200"],
            Tokens.Requests.Select(Describe));
    }

    [Fact]
    public async Task Anonymous_callers_pull_but_cannot_push()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using (var alice = Client("alice", "s3cret"))
        {
            await new ImagePusher(alice).PushAsync(Repository("public/busybox"), busybox.Manifest, busybox.Blobs, ["v1"]);
        }

        using var anonymous = Client(null, null);
        var manifest = await anonymous.GetManifestAsync(ImageReference.Parse($"{_server.Host}/public/busybox:v1"));
        Assert.Equal(busybox.Manifest.Digest, manifest.Digest);

        // The blobs exist (HEAD needs only pull); putting the manifest needs push.
        var error = await Assert.ThrowsAsync<RegistryException>(
            () => new ImagePusher(anonymous).PushAsync(Repository("public/busybox"), busybox.Manifest, busybox.Blobs, ["v2"]));
        Assert.Equal(
            $"PUT http://{_server.Host}/v2/public/busybox/manifests/v2: 401 Unauthorized: UNAUTHORIZED: authentication required (registry {_server.Host} did not grant the access 'repository:public/busybox:pull,push')",
            error.Message);
    }

    [Fact]
    public async Task A_read_only_user_is_told_which_access_was_not_granted()
    {
        var busybox = await BusyboxSource.LoadAsync();
        using var bob = Client("bob", "reader");

        var error = await Assert.ThrowsAsync<RegistryException>(
            () => new ImagePusher(bob).PushAsync(Repository("team/app"), busybox.Manifest, busybox.Blobs, ["v1"]));

        Assert.Equal(
            $"POST http://{_server.Host}/v2/team/app/blobs/uploads/: 401 Unauthorized: UNAUTHORIZED: authentication required (registry {_server.Host} did not grant the access 'repository:team/app:pull,push')",
            error.Message);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_by_the_token_server_with_a_clear_error()
    {
        using var client = Client("alice", "wrong");

        var error = await Assert.ThrowsAsync<RegistryException>(
            () => client.GetManifestAsync(ImageReference.Parse($"{_server.Host}/team/app:v1")));

        Assert.Equal(
            $"GET {Tokens.Realm}?service={RegistryServer.TokenService}&scope=repository%3Ateam%2Fapp%3Apull&account=alice: 401 Unauthorized: UNAUTHORIZED: invalid username or password (the token server of registry {_server.Host} refused the credentials of user 'alice')",
            error.Message);
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    /// <summary>A sink that claims every blob, so a pull fetches only manifests.</summary>
    private sealed class SkipAllSink : IBlobWriter
    {
        public ValueTask<bool> ExistsAsync(Digest digest, CancellationToken cancellationToken) => ValueTask.FromResult(true);

        public ValueTask<IBlobUpload> BeginUploadAsync(CancellationToken cancellationToken) =>
            throw new InvalidOperationException("A sink that has every blob is never written to.");
    }
}
