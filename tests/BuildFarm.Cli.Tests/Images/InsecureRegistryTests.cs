using System.CommandLine;
using BuildFarm.Cli.Tests.TestSupport;

namespace BuildFarm.Cli.Tests.Images;

/// <summary>
/// <c>--insecure-registry</c> reaches the registry client, and with <c>--docker-config</c> a farm
/// server started on demand. (The test registries are on loopback, which is always plain HTTP, so
/// what the client does with the list is tested in BuildFarm.Oci.Tests.)
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

    [Fact]
    public void A_server_started_on_demand_gets_the_command_s_registry_settings()
    {
        var withVariable = _farm.Environment with { GetVariable = name => name == "DOCKER_CONFIG" ? "/etc/docker-config" : null };

        var fromVariable = ServerOptions(withVariable, "push", "--insecure-registry", "registry.example:5000", "--insecure-registry", "Mirror.Example");
        var fromOption = ServerOptions(withVariable, "--docker-config", "/srv/docker", "push");
        var fromHome = ServerOptions(_farm.Environment, "push");

        Assert.Equal(["--docker-config", "/etc/docker-config", "--insecure-registry", "registry.example:5000", "--insecure-registry", "Mirror.Example"], fromVariable);
        Assert.Equal(["--docker-config", "/srv/docker"], fromOption);
        Assert.Equal(["--docker-config", Path.Combine(_farm.Home, ".docker")], fromHome);
    }

    public void Dispose() => _farm.Dispose();

    private static IReadOnlyList<string> ServerOptions(FarmEnvironment environment, params string[] args)
    {
        var context = new FarmContext(environment);
        var root = new RootCommand();
        context.AddGlobalOptions(root);
        root.Subcommands.Add(new Command("push"));
        var parseResult = root.Parse(args);
        Assert.Empty(parseResult.Errors);
        return context.LocalServerOptions(parseResult);
    }
}
