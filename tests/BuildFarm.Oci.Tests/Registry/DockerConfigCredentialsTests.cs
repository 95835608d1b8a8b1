using System.Text;
using BuildFarm.Oci.Registry.Auth;
using BuildFarm.Testing;

namespace BuildFarm.Oci.Tests.Registry;

public sealed class DockerConfigCredentialsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private static string Auth(string userAndPassword) => Convert.ToBase64String(Encoding.UTF8.GetBytes(userAndPassword));

    [Fact]
    public async Task Finds_credentials_by_registry_however_docker_wrote_the_key()
    {
        var path = _directory.Combine("config.json");
        await File.WriteAllTextAsync(path, $$"""
            {
              "auths": {
                "https://index.docker.io/v1/": { "auth": "{{Auth("hubuser:hub:pass")}}" },
                "http://127.0.0.1:5000": { "auth": "{{Auth("local:secret")}}" },
                "GHCR.io": { "auth": "{{Auth("gh:token")}}" },
                "quay.io": { "email": "no-auth@example.com" }
              },
              "credsStore": "desktop"
            }
            """);
        var credentials = new DockerConfigCredentials(path);

        Assert.Equal(new RegistryCredential("hubuser", "hub:pass"), await credentials.GetCredentialAsync("docker.io", default));
        Assert.Equal(new RegistryCredential("local", "secret"), await credentials.GetCredentialAsync("127.0.0.1:5000", default));
        Assert.Equal(new RegistryCredential("gh", "token"), await credentials.GetCredentialAsync("ghcr.io", default));
        Assert.Null(await credentials.GetCredentialAsync("quay.io", default));
        Assert.Null(await credentials.GetCredentialAsync("127.0.0.1:5001", default));
    }

    [Fact]
    public async Task A_missing_file_means_anonymous_access()
    {
        var credentials = new DockerConfigCredentials(_directory.Combine("absent", "config.json"));

        Assert.Null(await credentials.GetCredentialAsync("docker.io", default));
    }

    [Theory]
    [InlineData("""{"auths": {"r.io": {"auth": "!!!"}}}""", "{0}: auths[\"r.io\"].auth is not valid base64.")]
    [InlineData("""{"auths": {"r.io": {"auth": "dXNlcg=="}}}""", "{0}: auths[\"r.io\"].auth does not decode to 'user:password'.")]
    [InlineData("""{"auths": []}""", "{0}: 'auths' must be an object.")]
    public async Task A_broken_file_is_an_error_naming_the_file_and_entry(string json, string message)
    {
        var path = _directory.Combine("config.json");
        await File.WriteAllTextAsync(path, json);

        var error = await Assert.ThrowsAsync<InvalidDataException>(
            async () => await new DockerConfigCredentials(path).GetCredentialAsync("r.io", default));

        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, message, path), error.Message);
    }

    [Fact]
    public void The_credential_never_prints_its_password()
    {
        Assert.Equal("RegistryCredential { Username = alice }", new RegistryCredential("alice", "secret").ToString());
    }

    public void Dispose() => _directory.Dispose();
}
