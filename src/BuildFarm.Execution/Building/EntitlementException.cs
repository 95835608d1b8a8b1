namespace BuildFarm.Execution.Building;

/// <summary>A build asked for an entitlement that is not granted, or used one it did not ask for; see <see cref="Entitlements"/>.</summary>
public sealed class EntitlementException : Exception
{
    public EntitlementException(string message)
        : base(message)
    {
    }

    public EntitlementException()
    {
    }

    public EntitlementException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
