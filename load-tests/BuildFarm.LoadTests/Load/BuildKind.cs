namespace BuildFarm.LoadTests.Load;

/// <summary>What a load build does to the cache.</summary>
public enum BuildKind
{
    /// <summary>A new seed in the first RUN: every step runs.</summary>
    Cold,

    /// <summary>A context built before, unchanged: every step is a hit.</summary>
    Warm,

    /// <summary>One app file changed since the client's last build of it: the app's COPY and the RUN after it run.</summary>
    Edited,
}
