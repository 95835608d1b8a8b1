using Orleans.Runtime;

namespace BuildFarm.Grains.Workers;

/// <summary>
/// The active silos by name (<c>ADDRESS:SILOPORT</c>, what peers dial). This silo is listed under
/// the name its engine gives its steps, which the host sets to the same endpoint; a silo started
/// without it (one machine, named after the host) still finds itself.
/// </summary>
public sealed class ClusterSilos(IClusterMembershipService membership, ILocalSiloDetails local, string self)
{
    /// <summary>This silo's name.</summary>
    public string Self { get; } = self;

    /// <summary>The silos that are active members of the cluster now, this one first, the rest in name order.</summary>
    public IReadOnlyList<string> Active() =>
        [.. membership.CurrentSnapshot.Members.Values
            .Where(member => member.Status == SiloStatus.Active)
            .Select(member => member.SiloAddress.Equals(local.SiloAddress) ? Self : member.SiloAddress.Endpoint.ToString())
            .Append(Self)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(silo => silo == Self ? 0 : 1)
            .ThenBy(silo => silo, StringComparer.Ordinal)];

    /// <summary>Those of <paramref name="candidates"/> (null entries skipped) that are other silos, active now, each once.</summary>
    public IReadOnlyList<string> ActivePeersAmong(IEnumerable<string?> candidates)
    {
        var active = Active();
        return [.. candidates.OfType<string>().Where(silo => silo != Self && active.Contains(silo)).Distinct(StringComparer.Ordinal)];
    }
}
