using BuildFarm.Execution.Mounts;
using BuildFarm.Grains.Builds;

namespace BuildFarm.Grains.Ssh;

/// <summary>
/// The client's own agents a build forwards (<see cref="BuildSecrets.ForwardedSsh"/>): each step's
/// request goes to the session's <see cref="ISshForwardingGrain"/>, wherever the step runs, and
/// from there to the client. Null when the build forwards none.
/// </summary>
public sealed class ForwardedSshAgents : ISshAgentSource
{
    private readonly IGrainFactory _grains;
    private readonly BuildSecrets _secrets;
    private readonly string _session;

    private ForwardedSshAgents(IGrainFactory grains, BuildSecrets secrets, string session)
    {
        _grains = grains;
        _secrets = secrets;
        _session = session;
    }

    public static ForwardedSshAgents? For(IGrainFactory grains, BuildSecrets secrets)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(secrets);
        return secrets is { ForwardedSsh.Count: > 0, SshSession: { } session } ? new ForwardedSshAgents(grains, secrets, session) : null;
    }

    /// <summary>Ends the client's forwarding: the build it was opened for has ended.</summary>
    public Task EndAsync() => _grains.GetGrain<ISshForwardingGrain>(_session).EndAsync();

    /// <summary>None: these agents are the client's.</summary>
    public string? FindSocket(string id) => null;

    public ISshAgentChannel? FindChannel(string id) =>
        _secrets.ForwardedSsh.Contains(id, StringComparer.Ordinal) ? new Channel(_grains.GetGrain<ISshForwardingGrain>(_session), id) : null;

    private sealed class Channel(ISshForwardingGrain session, string id) : ISshAgentChannel
    {
        public async Task<byte[]> RequestAsync(byte[] request, CancellationToken cancellationToken)
        {
            SshAgentAnswer answer;
            try
            {
                answer = await session.RequestAsync(id, request).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The silo holding the session is gone, or the call timed out: the step's request fails alone.
                throw new SshAgentForwardingException($"the SSH agent \"{id}\" forwarded from the client cannot be reached: {e.Message}");
            }

            return answer.Body ?? throw new SshAgentForwardingException(answer.Error ?? $"the SSH agent \"{id}\" forwarded from the client gave no reply");
        }
    }
}
