namespace BuildFarm.Dockerfile.Instructions;

/// <summary>The kinds of <c>RUN --mount</c>.</summary>
public enum MountType
{
    Bind,
    Cache,
    Tmpfs,
    Secret,
    Ssh,
}

/// <summary>How concurrent builds share a cache mount (<c>sharing=</c>).</summary>
public enum CacheSharing
{
    Shared,
    Private,
    Locked,
}

/// <summary>
/// One <c>RUN --mount</c>, variables expanded and every option checked as BuildKit does.
/// Defaults that depend on the step (cache id from the target, secret target from its id,
/// relative targets) are left to the planner; this is what the Dockerfile said.
/// </summary>
/// <param name="Type">The mount type (<c>type=</c>, bind when not given).</param>
/// <param name="Target"><c>target=</c> / <c>dst=</c> / <c>destination=</c>, or null.</param>
/// <param name="Source"><c>source=</c> / <c>src=</c>, or null.</param>
/// <param name="From"><c>from=</c>: a stage name or index, or an image; null for the build context.</param>
/// <param name="ReadOnly">After <c>ro</c>/<c>rw</c>, or the type's default (bind, secret, ssh read-only; cache, tmpfs writable).</param>
/// <param name="Id"><c>id=</c>: the cache, secret or ssh id, or null.</param>
/// <param name="Sharing"><c>sharing=</c> (cache only), or null.</param>
/// <param name="Required"><c>required</c> (secret and ssh only).</param>
/// <param name="Env"><c>env=</c> (secret only): expose the secret as this environment variable.</param>
/// <param name="Mode"><c>mode=</c> in octal, or null.</param>
/// <param name="Uid"><c>uid=</c>, or null.</param>
/// <param name="Gid"><c>gid=</c>, or null.</param>
/// <param name="SizeLimit"><c>size=</c> in bytes (tmpfs only), or 0 for none.</param>
public sealed record RunMount(
    MountType Type,
    string? Target,
    string? Source,
    string? From,
    bool ReadOnly,
    string? Id,
    CacheSharing? Sharing,
    bool Required,
    string? Env,
    uint? Mode,
    uint? Uid,
    uint? Gid,
    long SizeLimit);
