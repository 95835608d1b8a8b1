namespace BuildFarm.Grains.Ssh;

/// <summary>
/// A client's agent forwarding session (<see cref="ISshForwardingGrain"/>): requests from steps
/// wait here, in memory, for the client's replies. Every call interleaves, and the activation's
/// scheduler runs one at a time, so the state needs no locks.
/// </summary>
public sealed class SshForwardingGrain : Grain, ISshForwardingGrain
{
    /// <summary>How long a step's request waits for the client: under Orleans' 30 s response timeout.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(20);

    private readonly Dictionary<ulong, TaskCompletionSource<SshAgentAnswer>> _waiting = [];
    private readonly List<SshAgentRequest> _untaken = [];
    private TaskCompletionSource _arrived = NewSignal();
    private ulong _lastRequestId;
    private bool _open;
    private bool _ended;

    public Task OpenAsync()
    {
        _open = !_ended;
        return Task.CompletedTask;
    }

    public async Task<SshAgentAnswer> RequestAsync(string agentId, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!_open || _ended)
        {
            return SshAgentAnswer.Failed(_ended
                ? $"the SSH agent \"{agentId}\" forwarded from the client is gone: the client's forwarding ended"
                : $"the SSH agent \"{agentId}\" cannot be forwarded: the client has no forwarding session open");
        }

        var id = ++_lastRequestId;
        var reply = new TaskCompletionSource<SshAgentAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[id] = reply;
        _untaken.Add(new SshAgentRequest(id, agentId, body));
        _arrived.TrySetResult();
        try
        {
            return await reply.Task.WaitAsync(RequestTimeout);
        }
        catch (TimeoutException)
        {
            return SshAgentAnswer.Failed($"the SSH agent \"{agentId}\" forwarded from the client did not answer within {RequestTimeout.TotalSeconds:0} s");
        }
        finally
        {
            _waiting.Remove(id);
            _untaken.RemoveAll(r => r.RequestId == id);
        }
    }

    public async Task<SshAgentRequestBatch> NextAsync(TimeSpan maxWait)
    {
        if (_arrived.Task.IsCompleted)
        {
            _arrived = NewSignal();
        }

        if (_untaken.Count == 0 && !_ended)
        {
            await Task.WhenAny(_arrived.Task, Task.Delay(maxWait));
        }

        SshAgentRequest[] taken = [.. _untaken];
        _untaken.Clear();
        return new SshAgentRequestBatch(taken, _ended);
    }

    public Task ReplyAsync(ulong requestId, SshAgentAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        if (_waiting.TryGetValue(requestId, out var reply))
        {
            reply.TrySetResult(answer);
        }

        return Task.CompletedTask;
    }

    public Task EndAsync()
    {
        _ended = true;
        _open = false;
        foreach (var reply in _waiting.Values)
        {
            reply.TrySetResult(SshAgentAnswer.Failed("the client's SSH agent forwarding ended before the agent answered"));
        }

        _arrived.TrySetResult();
        return Task.CompletedTask;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
