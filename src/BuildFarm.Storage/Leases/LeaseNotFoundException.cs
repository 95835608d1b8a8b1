namespace BuildFarm.Storage.Leases;

/// <summary>Thrown when a lease is used that was never created, was deleted or has expired.</summary>
public sealed class LeaseNotFoundException(string leaseId)
    : KeyNotFoundException($"Lease '{leaseId}' does not exist or has expired.")
{
    public string LeaseId { get; } = leaseId;
}
