using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Building.Internal;
using BuildFarm.Oci.Images;
using BuildFarm.Storage.Content;

namespace BuildFarm.Execution.Building;

/// <summary>The planner's view of base images in a store, found as a build finds them.</summary>
public static class BaseImageConfigs
{
    /// <summary>The config of <paramref name="reference"/> for <paramref name="platform"/>, or null when the store has no such image.</summary>
    public static async Task<BaseImageConfig?> FindAsync(ContentStore store, string reference, Platform platform, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await StoredImages.ResolveAsync(store, reference, platform, cancellationToken).ConfigureAwait(false)).ToPlannerConfig();
        }
        catch (BaseImageNotFoundException)
        {
            return null;
        }
    }
}
