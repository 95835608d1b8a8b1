using BuildFarm.Oci.References;
using BuildFarm.Testing;

namespace BuildFarm.Oci.Tests.Registry;

/// <summary>An anonymous real registry shared by the tests of one class; each test uses its own repositories.</summary>
public sealed class RegistryFixture : IAsyncLifetime
{
    public RegistryServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RegistryServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Tests against the class's shared registry, seen through a recording handler; each test uses
/// its own repositories and temp directory.
/// </summary>
public abstract class RegistryTestBase(RegistryFixture registry) : IClassFixture<RegistryFixture>, IDisposable
{
    protected RecordingHandler Http { get; } = new();

    protected TempDirectory Temp { get; } = new();

    protected string Host => registry.Server.Host;

    protected RepositoryName Repository(string path) => RepositoryName.Parse($"{Host}/{path}");

    protected ImageReference Reference(string pathAndTag) => ImageReference.Parse($"{Host}/{pathAndTag}");

    /// <summary>The image as skopeo names it.</summary>
    protected string Docker(string pathAndTag) => $"docker://{Host}/{pathAndTag}";

    /// <summary>The recorded requests whose path contains <paramref name="part"/>, as "METHOD path -> status".</summary>
    protected IEnumerable<string> Requests(string part) =>
        Http.Requests.Where(r => r.PathAndQuery.Contains(part, StringComparison.Ordinal)).Select(r => r.ToString());

    public void Dispose()
    {
        Http.Dispose();
        Temp.Dispose();
        GC.SuppressFinalize(this);
    }
}
