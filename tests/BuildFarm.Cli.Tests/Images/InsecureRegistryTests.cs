using System.CommandLine;
using BuildFarm.Cli.Tests.TestSupport;

namespace BuildFarm.Cli.Tests.Images;

/// <summary>
/// <c>--insecure-registry</c> reaches the registry client. (The test registries are on loopback,
/// which is always plain HTTP, so what the client does with the list is tested in BuildFarm.Oci.Tests.)
/// </summary>
public sealed class InsecureRegistryTests : IDisposable
{
    private readonly FarmSession _farm = new();

    [Fact]
    public void Every_insecure_registry_given_goes_to_the_client()
    {
        var context = new FarmContext(_farm.Environment);
        var root = new RootCommand();
        context.AddGlobalOptions(root);
        root.Subcommands.Add(new Command("pull"));

        var parseResult = root.Parse(["--insecure-registry", "registry.example:5000", "pull", "--insecure-registry", "Mirror.Example"]);
        using var client = context.CreateRegistryClient(parseResult);

        Assert.Empty(parseResult.Errors);
        Assert.Equal(2, client.Options.InsecureRegistries.Count);
        Assert.Contains("registry.example:5000", client.Options.InsecureRegistries);
        Assert.Contains("mirror.example", client.Options.InsecureRegistries);
    }

    [Fact]
    public void Without_the_option_no_registry_is_insecure()
    {
        var context = new FarmContext(_farm.Environment);
        var root = new RootCommand();
        context.AddGlobalOptions(root);

        using var client = context.CreateRegistryClient(root.Parse([]));

        Assert.Empty(client.Options.InsecureRegistries);
    }

    public void Dispose() => _farm.Dispose();
}
