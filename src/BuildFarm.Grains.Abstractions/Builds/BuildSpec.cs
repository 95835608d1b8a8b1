using MessagePack;

namespace BuildFarm.Grains.Builds;

/// <summary>What a client asked to build.</summary>
[GenerateSerializer, Immutable, MessagePackObject]
public sealed record BuildSpec
{
    /// <summary>The build context as a content tree in the store (its root node's digest).</summary>
    [Id(0), Key(0)] public required string ContextDigest { get; init; }

    /// <summary>The Dockerfile's path in the context.</summary>
    [Id(1), Key(1)] public string DockerfilePath { get; init; } = "Dockerfile";

    [Id(2), Key(2)] public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();

    [Id(3), Key(3)] public string? Target { get; init; }

    [Id(4), Key(4)] public bool NoCache { get; init; }

    [Id(5), Key(5)] public IReadOnlyList<string> NoCacheFilter { get; init; } = [];

    /// <summary>Image names (<c>repo:tag</c>) the result gets in the farm's store.</summary>
    [Id(6), Key(6)] public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Labels added to the image config.</summary>
    [Id(7), Key(7)] public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The Dockerfile itself when it is not in the context (<c>-f -</c>); <see cref="DockerfilePath"/> then only names it.</summary>
    [Id(9), Key(9)] public string? DockerfileContent { get; init; }

    /// <summary>Push every tag to its registry when the build succeeds.</summary>
    [Id(8), Key(8)] public bool Push { get; init; }

    /// <summary><c>--add-host</c>: <c>NAME:IP</c> lines for every RUN step's <c>/etc/hosts</c>, validated, in order.</summary>
    [Id(10), Key(10)] public IReadOnlyList<string> ExtraHosts { get; init; } = [];

    /// <summary><c>--allow</c>: the entitlements the build asks for (<c>network.host</c>).</summary>
    [Id(11), Key(11)] public IReadOnlyList<string> Entitlements { get; init; } = [];

    /// <summary>
    /// The request as the client submitted it, in the client API's encoding (an inline
    /// Dockerfile's bytes left out), kept as it came so that the build reports it back unchanged.
    /// </summary>
    [Id(12), Key(12)] public byte[]? SubmittedRequest { get; init; }

    /// <summary><c>--pull</c>: pull base images named by tag again rather than use the stored ones.</summary>
    [Id(13), Key(13)] public bool Pull { get; init; }

    /// <summary><c>--output</c> or <c>--push</c>: the client exports the image, or the build pushes it, once it ends.</summary>
    [Id(14), Key(14)] public bool Exported { get; init; }
}
