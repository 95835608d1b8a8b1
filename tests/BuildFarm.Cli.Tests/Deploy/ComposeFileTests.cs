using BuildFarm.Testing;

namespace BuildFarm.Cli.Tests.Deploy;

/// <summary>
/// docker-compose.yml as docker-compose itself reads it (<c>docker-compose config</c>, which needs no
/// Docker engine), and every silo's command, ports and variables as <c>farm server</c> takes them.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly string ComposeFile = RepositoryRoot.Combine("docker-compose.yml");
    private static readonly string[] Silos = ["silo1", "silo2", "silo3"];

    [Fact]
    public async Task Docker_compose_reads_it_as_redis_and_three_silos_each_with_a_volume_of_its_own()
    {
        var config = await ConfigAsync();

        Assert.Equal(["redis", .. Silos], config.Get("services").Entries().Select(static s => s.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["redis-data", "silo1-data", "silo2-data", "silo3-data"], config.Get("volumes").Entries().Select(static v => v.Key).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["redis-data:/data:rw", "silo1-data:/var/lib/buildfarm:rw", "silo2-data:/var/lib/buildfarm:rw", "silo3-data:/var/lib/buildfarm:rw"],
            config.Get("services").Entries().SelectMany(static s => s.Value.Get("volumes").Strings()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_silo_runs_farm_server_with_options_it_accepts_and_its_ports_volume_and_address_agree_with_them()
    {
        var image = SiloImage.Read();
        var services = (await ConfigAsync()).Get("services");
        var redis = services.Get("redis");
        var hostPorts = new List<string>();

        Assert.Equal(["/opt/buildfarm/farm", "server"], image.Program);
        // The default redis-server port: the compose file does not move it.
        Assert.DoesNotContain("--port", redis.Get("command").Strings());
        foreach (var name in Silos)
        {
            var silo = services.Get(name);
            var where = $"docker-compose.yml {name}";
            var environment = new Dictionary<string, string>(image.Environment);
            foreach (var (variable, value) in silo.Get("environment").Pairs())
            {
                environment[variable] = value;
            }

            var command = silo.Get("command").Strings();
            var invocation = SiloInvocation.Parse(where, [.. image.Program.Skip(1), .. command], environment);

            Assert.Equal(("buildfarm-silo:latest", "true"), (silo.Text("image"), silo.Text("privileged")));
            Assert.Equal(image.Cmd, command);
            Assert.Equal("redis:6379", invocation.Value("--redis"));
            Assert.Equal(silo.Get("networks").Get("farm").Text("ipv4_address"), invocation.Value("--advertise"));
            Assert.Equal($"{name}-data:{invocation.Value("--data-dir")}:rw", silo.Get("volumes").Strings().Single());
            Assert.Equal(invocation.Value("--data-dir"), image.Volumes.Single());
            // Published: the API and /metrics, on the host's loopback alone (the API has no authentication yet).
            var published = silo.Get("ports").Strings().Select(static p => p.Split(':')).ToList();
            Assert.All(published, static p => Assert.Equal("127.0.0.1", p[0]));
            Assert.Equal([$"{invocation.Port("--listen")}/tcp", $"{invocation.Port("--metrics-listen")}/tcp"], published.Select(static p => p[2]));
            hostPorts.AddRange(published.Select(static p => p[1]));
            // Silo-to-silo and gateway ports are reached on the farm's network, where the image exposes them.
            Assert.Equal(
                [.. new[] { "--listen", "--metrics-listen", "--silo-port", "--gateway-port" }.Select(o => invocation.Port(o).ToString(System.Globalization.CultureInfo.InvariantCulture))],
                image.ExposedPorts);
        }

        Assert.Equal(hostPorts.Distinct().Count(), hostPorts.Count);
    }

    private static async Task<YamlDotNet.RepresentationModel.YamlNode> ConfigAsync()
    {
        var result = await ProcessRunner.RunAsync("docker-compose", ["--file", ComposeFile, "config"]);
        Assert.True(result.ExitCode == 0, $"docker-compose config exited with {result.ExitCode}:\n{result.Error}");
        return YamlNodes.LoadAll(result.Output).Single();
    }
}
