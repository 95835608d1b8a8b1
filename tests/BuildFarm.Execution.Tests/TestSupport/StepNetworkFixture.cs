using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.TestSupport;

/// <summary>
/// An engine whose steps have "the internet" of <see cref="InternetNamespace"/>: its HTTP server
/// by address, and its name server as the host's only (loopback) resolver. It grants network.host,
/// and its bridge goes as soon as no step is on it.
/// </summary>
public sealed class StepNetworkFixture : EngineFixture
{
    public InternetNamespace Internet { get; private set; } = null!;

    // No linger: a test sees the bridge gone as soon as its step ended.
    protected override ExecutionOptions Options => new() { ResolvConfPath = Internet.ResolvConfPath, AllowNetworkHost = true, StepNetworkLinger = TimeSpan.Zero };

    public override async Task InitializeAsync()
    {
        Internet = await InternetNamespace.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Internet.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class StepNetworkCollection : ICollectionFixture<StepNetworkFixture>
{
    public const string Name = "step network";
}
