using Orleans.Concurrency;

namespace BuildFarm.Grains.Ssh;

/// <summary>
/// One client's SSH agent forwarding session (<c>farm build --ssh default</c>), keyed by the session
/// id the server made when the client opened <c>SshAgents.Forward</c>. Steps on any silo hand it
/// agent requests (<see cref="RequestAsync"/>), which the silo holding the client's stream takes
/// (<see cref="NextAsync"/>) and answers (<see cref="ReplyAsync"/>). Requests and replies live in
/// the activation's memory only, for as long as they wait; nothing is stored or logged. No call is
/// held open past Orleans' response timeout.
/// </summary>
public interface ISshForwardingGrain : IGrainWithStringKey
{
    /// <summary>Marks the session open: the client's stream is attached. Called once, by the silo holding it.</summary>
    [AlwaysInterleave]
    Task OpenAsync();

    /// <summary>
    /// Passes one agent request to the client and waits for its reply, at most the request timeout
    /// (below Orleans' 30 s); the answer's error says why there is no reply (timed out, no session,
    /// the session ended, the client could not ask its agent).
    /// </summary>
    [AlwaysInterleave]
    Task<SshAgentAnswer> RequestAsync(string agentId, byte[] body);

    /// <summary>The requests not yet taken, waiting up to <paramref name="maxWait"/> for one; ended once the session is.</summary>
    [AlwaysInterleave]
    Task<SshAgentRequestBatch> NextAsync(TimeSpan maxWait);

    /// <summary>The client's reply to a request taken with <see cref="NextAsync"/> (a late one is dropped).</summary>
    [AlwaysInterleave]
    Task ReplyAsync(ulong requestId, SshAgentAnswer answer);

    /// <summary>Ends the session (the build ended, or the client closed its stream): waiting and later requests fail.</summary>
    [AlwaysInterleave]
    Task EndAsync();
}

/// <summary>An agent's reply message (without its length), or why there is none.</summary>
[GenerateSerializer, Immutable]
public sealed record SshAgentAnswer([property: Id(0)] byte[]? Body, [property: Id(1)] string? Error)
{
    public static SshAgentAnswer Failed(string error) => new(null, error);

    /// <summary>Never the body: a debugger or a log line shows its size only.</summary>
    public override string ToString() => Error ?? $"reply of {Body?.Length ?? 0} bytes";
}

/// <summary>One request for the client's agent <paramref name="AgentId"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record SshAgentRequest([property: Id(0)] ulong RequestId, [property: Id(1)] string AgentId, [property: Id(2)] byte[] Body)
{
    /// <summary>Never the body.</summary>
    public override string ToString() => $"request {RequestId} for agent {AgentId} ({Body.Length} bytes)";
}

/// <summary>Requests to pass to the client; <paramref name="Ended"/> once the session has ended.</summary>
[GenerateSerializer, Immutable]
public sealed record SshAgentRequestBatch([property: Id(0)] IReadOnlyList<SshAgentRequest> Requests, [property: Id(1)] bool Ended);
