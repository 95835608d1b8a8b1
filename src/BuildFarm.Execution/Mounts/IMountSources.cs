using BuildFarm.Execution.Sources;
using BuildFarm.Oci.Layers;

namespace BuildFarm.Execution.Mounts;

/// <summary>What the <c>RUN --mount</c>s of a build draw on; the build (not the engine) knows these.</summary>
public interface IMountSources
{
    /// <summary>The build context, <c>.dockerignore</c> applied: the source of bind mounts without <c>from=</c>.</summary>
    SourceTree Context { get; }

    /// <summary>
    /// The layers (bottom first) of the stage (by name or index) or image that <paramref name="from"/>
    /// names as written in <c>from=</c>; empty for a stage built on scratch.
    /// </summary>
    Task<IReadOnlyList<LayerBlob>> ResolveLayersAsync(string from, CancellationToken cancellationToken);

    ISecretSource Secrets { get; }

    /// <summary>The SSH agents the build forwards, or null for none.</summary>
    ISshAgentSource? Ssh { get; }
}

/// <summary>The build's secrets (<c>--secret id=...</c>). A value never reaches a log, a layer or a cache key.</summary>
public interface ISecretSource
{
    /// <summary>
    /// The secret's value, or null when the build has no secret of that id. Mind that a null
    /// <c>byte[]</c>, and even a bare <c>null</c> in <c>found ? bytes : null</c>, converts to an
    /// empty value rather than to null: write <c>(ReadOnlyMemory&lt;byte&gt;?)null</c>.
    /// </summary>
    ReadOnlyMemory<byte>? Find(string id);
}

/// <summary>
/// The SSH agents the build's steps may use (<c>--ssh</c>): an agent on this host, reached by its
/// socket, or one of the client's, reached request by request through a channel.
/// </summary>
public interface ISshAgentSource
{
    /// <summary>The host path of the agent's Unix socket for <paramref name="id"/>, or null when there is none.</summary>
    string? FindSocket(string id);

    /// <summary>The channel to the client's agent <paramref name="id"/>, or null when the build does not forward one.</summary>
    ISshAgentChannel? FindChannel(string id);
}

/// <summary>
/// An SSH agent elsewhere (the client's own), asked one request at a time: the agent protocol is a
/// request and its reply, each framed by a 4-byte length, so each request can travel on its own.
/// </summary>
public interface ISshAgentChannel
{
    /// <summary>Sends one request message (without its length) and returns the agent's reply (without its length).</summary>
    /// <exception cref="SshAgentForwardingException">The request got no reply; the message says why (it names the agent).</exception>
    Task<byte[]> RequestAsync(byte[] request, CancellationToken cancellationToken);
}
