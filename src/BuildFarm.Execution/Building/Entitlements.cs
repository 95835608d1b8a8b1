using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Execution.Building;

/// <summary>
/// BuildKit's entitlements, as far as the farm has them: a build asks for one (<c>--allow</c>), the
/// server grants it (<c>--allow-insecure-entitlement</c>), and a step needing one runs only when both did.
/// </summary>
public static class Entitlements
{
    /// <summary><c>RUN --network=host</c>.</summary>
    public const string NetworkHost = "network.host";

    /// <summary><c>RUN --security=insecure</c>: never granted, every step runs sandboxed.</summary>
    public const string SecurityInsecure = "security.insecure";

    /// <summary>Null when <paramref name="name"/> is an entitlement, else the error to report (buildx's wording).</summary>
    public static string? Validate(string name) =>
        name is NetworkHost or SecurityInsecure ? null : $"invalid entitlement: {name}";

    /// <summary>Fails, as buildkitd does, when the build asks for one the engine does not grant.</summary>
    /// <exception cref="EntitlementException">Not an entitlement, or not granted.</exception>
    public static void CheckGranted(IReadOnlyList<string> requested, bool networkHostGranted)
    {
        foreach (var name in requested)
        {
            if (Validate(name) is { } error)
            {
                throw new EntitlementException(error);
            }

            if (!(name == NetworkHost && networkHostGranted))
            {
                throw new EntitlementException($"granting entitlement {name} is not allowed by build daemon configuration");
            }
        }
    }

    /// <summary>Fails, before any step runs, when a step of the plan needs one the build did not ask for.</summary>
    /// <exception cref="EntitlementException">A <c>RUN --network=host</c> without <see cref="NetworkHost"/>.</exception>
    public static void CheckUsed(BuildPlan plan, IReadOnlyList<string> requested)
    {
        var usesHostNetwork = plan.Stages.SelectMany(static stage => stage.Steps).Any(static step => step.Instruction is RunInstruction { Network: NetworkMode.Host });
        if (usesHostNetwork && !requested.Contains(NetworkHost))
        {
            throw new EntitlementException($"{NetworkHost} is not allowed");
        }
    }
}
