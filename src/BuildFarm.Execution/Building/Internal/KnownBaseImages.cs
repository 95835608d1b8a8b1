using System.Collections.Concurrent;
using BuildFarm.Dockerfile.Planning;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>Gives the planner the configs of the base images resolved so far, and notes every one it asked for.</summary>
internal sealed class KnownBaseImages(IReadOnlyDictionary<string, BaseImage> images) : IBaseImageConfigSource
{
    private readonly ConcurrentDictionary<string, bool> _requested = new(StringComparer.Ordinal);

    public IEnumerable<string> Requested => _requested.Keys;

    public BaseImageConfig? Find(string reference, string platform)
    {
        _requested.TryAdd(reference, true);
        return images.TryGetValue(reference, out var image) ? image.ToPlannerConfig() : null;
    }
}
