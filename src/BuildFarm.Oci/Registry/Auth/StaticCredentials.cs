namespace BuildFarm.Oci.Registry.Auth;

/// <summary>Credentials given in code (from a secret store or a command-line flag), by registry.</summary>
public sealed class StaticCredentials(IReadOnlyDictionary<string, RegistryCredential> byRegistry) : ICredentialProvider
{
    public StaticCredentials(string registry, RegistryCredential credential)
        : this(new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase) { [registry] = credential })
    {
    }

    public ValueTask<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken) =>
        ValueTask.FromResult(byRegistry.GetValueOrDefault(registry));
}
