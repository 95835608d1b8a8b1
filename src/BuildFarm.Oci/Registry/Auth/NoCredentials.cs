namespace BuildFarm.Oci.Registry.Auth;

/// <summary>Anonymous access to every registry.</summary>
public sealed class NoCredentials : ICredentialProvider
{
    public static NoCredentials Instance { get; } = new();

    private NoCredentials()
    {
    }

    public ValueTask<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken) =>
        ValueTask.FromResult<RegistryCredential?>(null);
}
