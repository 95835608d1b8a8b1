using System.Net;
using BuildFarm.Oci.References;

namespace BuildFarm.Oci.Registry.Internal;

/// <summary>Where a registry's API lives: scheme and host of <c>/v2/</c>.</summary>
internal static class RegistryEndpoint
{
    // docker.io is the name in references; its API is served from this host.
    private const string DockerHubApiHost = "registry-1.docker.io";

    public static Uri BaseUri(string registry, IReadOnlySet<string> insecureRegistries)
    {
        var host = registry == RepositoryName.DockerHub ? DockerHubApiHost : registry;
        var scheme = insecureRegistries.Contains(registry) || IsLoopback(registry) ? "http" : "https";
        return new Uri($"{scheme}://{host}/v2/");
    }

    public static Uri RepositoryUri(RepositoryName repository, IReadOnlySet<string> insecureRegistries, string relative) =>
        new(BaseUri(repository.Registry, insecureRegistries), $"{repository.Path}/{relative}");

    /// <summary>True for localhost, 127.0.0.0/8 and ::1, with or without a port.</summary>
    public static bool IsLoopback(string registry)
    {
        string host;
        if (registry.StartsWith('['))
        {
            var close = registry.IndexOf(']', StringComparison.Ordinal);
            host = close > 0 ? registry[1..close] : registry;
        }
        else
        {
            var colon = registry.IndexOf(':', StringComparison.Ordinal);
            host = colon >= 0 ? registry[..colon] : registry;
        }

        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
