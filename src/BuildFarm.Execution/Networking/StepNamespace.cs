namespace BuildFarm.Execution.Networking;

/// <summary>
/// A RUN step's network namespace on its engine's bridge: an address of its own, a default
/// route through NAT, nothing else. Disposing deletes the namespace (its veth goes with it).
/// </summary>
public sealed class StepNamespace : IAsyncDisposable
{
    private readonly StepNetwork _network;
    private readonly int _slot;
    private int _disposed;

    internal StepNamespace(StepNetwork network, int slot, string path, string resolvConf)
    {
        _network = network;
        _slot = slot;
        Path = path;
        ResolvConf = resolvConf;
    }

    /// <summary>The namespace's bind mount (<c>/run/netns/...</c>), which runc joins.</summary>
    public string Path { get; }

    /// <summary>The resolv.conf a step in it reads.</summary>
    public string ResolvConf { get; }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _network.LeaveAsync(_slot).ConfigureAwait(false);
        }
    }
}
