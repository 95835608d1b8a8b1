using BuildFarm.Execution.Steps;

namespace BuildFarm.Execution.Building.Internal;

/// <summary>
/// The builds this silo coordinates right now, by <see cref="BuildInputs.Identity"/>: a step of one
/// of them that runs here uses the build's own plan and context instead of making them again from
/// its description. Entries live exactly as long as their builds, so no context tree outlives one.
/// </summary>
internal sealed class PreparedBuilds
{
    private readonly Dictionary<string, (PreparedBuild Build, int Users)> _builds = new(StringComparer.Ordinal);

    public PreparedBuild? Find(string identity)
    {
        lock (_builds)
        {
            return _builds.TryGetValue(identity, out var entry) ? entry.Build : null;
        }
    }

    /// <summary>Makes <paramref name="build"/> findable until the returned handle is disposed (identical builds share one entry).</summary>
    public IDisposable Add(string identity, PreparedBuild build)
    {
        lock (_builds)
        {
            _builds[identity] = _builds.TryGetValue(identity, out var entry) ? (entry.Build, entry.Users + 1) : (build, 1);
        }

        return new Registration(this, identity);
    }

    private void Release(string identity)
    {
        lock (_builds)
        {
            var entry = _builds[identity];
            if (entry.Users == 1)
            {
                _builds.Remove(identity);
            }
            else
            {
                _builds[identity] = (entry.Build, entry.Users - 1);
            }
        }
    }

    private sealed class Registration(PreparedBuilds owner, string identity) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Release(identity);
            }
        }
    }
}
