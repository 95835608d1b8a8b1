namespace BuildFarm.Oci.Registry.Auth;

/// <summary>Looks up the credential to use for a registry.</summary>
public interface ICredentialProvider
{
    /// <param name="registry">The registry as in an image reference: <c>docker.io</c>, <c>127.0.0.1:5000</c>.</param>
    /// <returns>The credential, or null to access the registry anonymously.</returns>
    ValueTask<RegistryCredential?> GetCredentialAsync(string registry, CancellationToken cancellationToken);
}
