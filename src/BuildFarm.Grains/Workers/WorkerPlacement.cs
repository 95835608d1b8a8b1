using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace BuildFarm.Grains.Workers;

/// <summary>Places a grain keyed by a silo's name (<c>ADDRESS:SILOPORT</c>) on that silo.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class WorkerPlacementStrategy : PlacementStrategy
{
    public static readonly WorkerPlacementStrategy Instance = new();
}

/// <summary>The grain lives on the silo its key names (<see cref="WorkerPlacementStrategy"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class WorkerPlacementAttribute() : PlacementAttribute(WorkerPlacementStrategy.Instance);

/// <summary>
/// Matches a worker's key against the active silos' endpoints. A key whose silo is not active
/// fails the call rather than placing the worker elsewhere: a worker stands for its silo's disk
/// and slots, so the caller must pick another silo.
/// </summary>
public sealed class WorkerPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var silo = target.GrainIdentity.Key.ToString();
        var match = context.GetCompatibleSilos(target).FirstOrDefault(address => address.Endpoint.ToString() == silo);
        return match is not null
            ? Task.FromResult(match)
            : throw new SiloUnavailableException($"No active silo is named {silo}: its worker cannot be placed.");
    }
}
