using BuildFarm.Oci.References;
using BuildFarm.Oci.Registry;
using BuildFarm.Oci.Registry.Internal;

namespace BuildFarm.Oci.Tests.Registry;

public class RegistryEndpointTests
{
    [Theory]
    [InlineData("docker.io", "https://registry-1.docker.io/v2/")]
    [InlineData("ghcr.io", "https://ghcr.io/v2/")]
    [InlineData("registry.internal:5000", "http://registry.internal:5000/v2/")]
    [InlineData("localhost", "http://localhost/v2/")]
    [InlineData("localhost:5000", "http://localhost:5000/v2/")]
    [InlineData("127.0.0.1:5000", "http://127.0.0.1:5000/v2/")]
    [InlineData("127.8.9.10", "http://127.8.9.10/v2/")]
    [InlineData("[::1]:5000", "http://[::1]:5000/v2/")]
    [InlineData("128.0.0.1:5000", "https://128.0.0.1:5000/v2/")]
    [InlineData("10.0.0.1", "https://10.0.0.1/v2/")]
    [InlineData("localhost.example.com", "https://localhost.example.com/v2/")]
    public void Plain_http_only_for_loopback_and_registries_named_insecure(string registry, string expected)
    {
        var insecure = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "registry.internal:5000" };

        Assert.Equal(expected, RegistryEndpoint.BaseUri(registry, insecure).ToString());
    }

    [Fact]
    public void Repository_urls_put_the_path_under_v2()
    {
        Assert.Equal(
            "http://127.0.0.1:5000/v2/team/app/blobs/uploads/",
            RegistryEndpoint.RepositoryUri(RepositoryName.Parse("127.0.0.1:5000/team/app"), new HashSet<string>(), "blobs/uploads/").ToString());
    }

    [Fact]
    public void Backoff_doubles_up_to_the_maximum()
    {
        var policy = new RetryPolicy { MaxAttempts = 6, InitialDelay = TimeSpan.FromMilliseconds(300), MaxDelay = TimeSpan.FromSeconds(1) };

        Assert.Equal(
            [TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)],
            Enumerable.Range(2, 4).Select(policy.DelayBefore));
    }

    [Fact]
    public void Invalid_options_are_refused_when_the_client_is_made()
    {
        Assert.Equal(
            "RetryPolicy.MaxAttempts is 0; it must be at least 1.",
            Assert.Throws<ArgumentException>(() => new RegistryClient(new RegistryClientOptions { Retry = new RetryPolicy { MaxAttempts = 0 } })).Message);
        Assert.Equal(
            "UploadChunkSize is 0; it must be at least 1.",
            Assert.Throws<ArgumentException>(() => new RegistryClient(new RegistryClientOptions { UploadChunkSize = 0 })).Message);
    }
}
