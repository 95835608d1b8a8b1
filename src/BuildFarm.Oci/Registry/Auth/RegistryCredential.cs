namespace BuildFarm.Oci.Registry.Auth;

/// <summary>A user name and password (or personal access token) for one registry.</summary>
public sealed record RegistryCredential(string Username, string Password)
{
    // Keeps the password out of logs and exception messages that print the record.
    public override string ToString() => $"RegistryCredential {{ Username = {Username} }}";
}
