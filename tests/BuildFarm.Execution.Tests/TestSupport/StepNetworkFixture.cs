using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.TestSupport;

/// <summary>
/// An engine whose steps have "the internet" of <see cref="InternetNamespace"/>: its HTTP server
/// by address, and its name server as the host's only (loopback) resolver. It grants network.host.
/// </summary>
public sealed class StepNetworkFixture : EngineFixture
{
    public InternetNamespace Internet { get; private set; } = null!;

    protected override ExecutionOptions Options => new() { ResolvConfPath = Internet.ResolvConfPath, AllowNetworkHost = true };

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
