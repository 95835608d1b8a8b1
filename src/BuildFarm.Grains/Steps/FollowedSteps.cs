using System.Collections.Concurrent;
using BuildFarm.Oci;

namespace BuildFarm.Grains.Steps;

/// <summary>
/// What this silo's recorded claims brought along: for each key a build resolved, the records of
/// the keys that followed it before (<see cref="StepClaim.Following"/>). The build's next key is
/// looked up there first, under the key it follows, and a chain of hits shares the one claim
/// that began it.
/// </summary>
/// <remarks>
/// No older than a claim's answer: a key's entry is dropped when a build starts to resolve that
/// key and set when it has, and a build looks up only under the key it has just resolved, so
/// what it finds was gathered by its own claim (or by a build's at the same moment). A key
/// resolved by a run or a joined run has no entry: what follows it is claimed.
/// </remarks>
internal sealed class FollowedSteps
{
    // Keys resolved lately; past it the table starts again, and a chain under way claims its next keys.
    private const int Capacity = 1024;

    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, FollowingStep>> _byKey = new(StringComparer.Ordinal);

    /// <summary>The record of <paramref name="key"/> brought along with <paramref name="after"/>'s, or null.</summary>
    public FollowingStep? Find(Digest? after, Digest key) =>
        after is { } previous && _byKey.TryGetValue(previous.ToString(), out var following) && following.TryGetValue(key.ToString(), out var step)
            ? step
            : null;

    /// <summary>A build starts to resolve <paramref name="key"/>: what came with it before is no longer fresh.</summary>
    public void Resolving(Digest key) => _byKey.TryRemove(key.ToString(), out _);

    /// <summary><paramref name="key"/> was resolved from what came with <paramref name="after"/>: the key after it looks there too.</summary>
    public void Followed(Digest after, Digest key)
    {
        if (_byKey.TryGetValue(after.ToString(), out var following))
        {
            Set(key, following);
        }
    }

    /// <summary><paramref name="key"/> was resolved by a recorded claim of its own, which brought <paramref name="following"/>.</summary>
    public void Claimed(Digest key, IReadOnlyList<FollowingStep>? following)
    {
        if (following is { Count: > 0 })
        {
            Set(key, following.ToDictionary(step => step.Key, StringComparer.Ordinal));
        }
    }

    private void Set(Digest key, IReadOnlyDictionary<string, FollowingStep> following)
    {
        if (_byKey.Count >= Capacity)
        {
            _byKey.Clear();
        }

        _byKey[key.ToString()] = following;
    }
}
