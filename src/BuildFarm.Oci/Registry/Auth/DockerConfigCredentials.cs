using System.Text;
using System.Text.Json;

namespace BuildFarm.Oci.Registry.Auth;

/// <summary>
/// Credentials from docker's <c>config.json</c> (what <c>docker login</c> writes): the base64
/// <c>user:password</c> in <c>auths.&lt;registry&gt;.auth</c>. Credential helpers
/// (<c>credsStore</c>, <c>credHelpers</c>) are not run.
/// </summary>
public sealed class DockerConfigCredentials : ICredentialProvider
{
    private readonly Lazy<IReadOnlyDictionary<string, RegistryCredential>> _credentials;

    /// <param name="configPath">The file to read; a missing file means no credentials.</param>
    public DockerConfigCredentials(string configPath)
    {
        ConfigPath = configPath;
        _credentials = new Lazy<IReadOnlyDictionary<string, RegistryCredential>>(Load);
    }

    public string ConfigPath { get; }

    /// <summary>Docker's own lookup: <c>$DOCKER_CONFIG/config.json</c>, else <c>~/.docker/config.json</c>.</summary>
    public static DockerConfigCredentials FromDefaultLocation()
    {
        var directory = Environment.GetEnvironmentVariable("DOCKER_CONFIG");
        if (string.IsNullOrEmpty(directory))
        {
            directory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        }

        return new DockerConfigCredentials(Path.Combine(directory, "config.json"));
    }

    public ValueTask<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_credentials.Value.GetValueOrDefault(NormalizeRegistry(registry)));

    // Keys are written as "host[:port]", "https://host/v1/" or similar; docker compares hosts only.
    private static string NormalizeRegistry(string key)
    {
        var host = key;
        foreach (var scheme in (string[])["https://", "http://"])
        {
            if (host.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                host = host[scheme.Length..];
                break;
            }
        }

        var slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            host = host[..slash];
        }

        host = host.ToLowerInvariant();
        return host is "index.docker.io" or "registry-1.docker.io" ? References.RepositoryName.DockerHub : host;
    }

    private Dictionary<string, RegistryCredential> Load()
    {
        var credentials = new Dictionary<string, RegistryCredential>(StringComparer.Ordinal);
        if (!File.Exists(ConfigPath))
        {
            return credentials;
        }

        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(ConfigPath);
            document = JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{ConfigPath}: not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("auths", out var auths))
            {
                return credentials;
            }

            if (auths.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{ConfigPath}: 'auths' must be an object.");
            }

            foreach (var entry in auths.EnumerateObject())
            {
                if (entry.Value.ValueKind == JsonValueKind.Object
                    && entry.Value.TryGetProperty("auth", out var auth)
                    && auth.ValueKind == JsonValueKind.String
                    && auth.GetString() is { Length: > 0 } encoded)
                {
                    credentials[NormalizeRegistry(entry.Name)] = Decode(encoded, entry.Name);
                }
            }
        }

        return credentials;
    }

    private RegistryCredential Decode(string encoded, string key)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{ConfigPath}: auths[\"{key}\"].auth is not valid base64.", e);
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            ? new RegistryCredential(decoded[..colon], decoded[(colon + 1)..])
            : throw new InvalidDataException($"{ConfigPath}: auths[\"{key}\"].auth does not decode to 'user:password'.");
    }
}
