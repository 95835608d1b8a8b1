using System.Globalization;
using BuildFarm.Testing;
using YamlDotNet.RepresentationModel;

namespace BuildFarm.Cli.Tests.Deploy;

/// <summary>
/// deploy/k8s without a Kubernetes cluster or kubectl: the silos' arguments and environment as
/// <c>farm server</c> takes them, and the references between the objects (Services to pods and
/// their ports, the StatefulSet to its headless Service, volumes to mounts, the silos to Redis).
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string Directory = RepositoryRoot.Combine("deploy", "k8s");

    /// <summary>What the downward API would give FARM_ADVERTISE: a pod IP (TEST-NET-1, never dialled).</summary>
    private const string PodIp = "192.0.2.10";

    private readonly IReadOnlyList<YamlNode> _objects;

    public KubernetesManifestTests()
    {
        var kustomization = YamlNodes.LoadAll(File.ReadAllText(Path.Combine(Directory, "kustomization.yaml"))).Single();
        var resources = kustomization.Get("resources").Strings();
        Assert.Equal(
            System.IO.Directory.GetFiles(Directory, "*.yaml").Select(Path.GetFileName).Where(static f => f != "kustomization.yaml").Order(StringComparer.Ordinal),
            resources.Order(StringComparer.Ordinal));
        _objects = [.. resources.SelectMany(static file => YamlNodes.LoadAll(File.ReadAllText(Path.Combine(Directory, file))))];
    }

    [Fact]
    public void Every_object_has_a_kind_an_api_version_and_a_unique_name()
    {
        Assert.Equal(
            [
                "apps/v1 Deployment buildfarm-redis",
                "apps/v1 StatefulSet buildfarm-silo",
                "v1 PersistentVolumeClaim buildfarm-redis",
                "v1 Service buildfarm",
                "v1 Service buildfarm-metrics",
                "v1 Service buildfarm-redis",
                "v1 Service buildfarm-silos",
            ],
            _objects.Select(static o => $"{o.Text("apiVersion")} {o.Text("kind")} {o.Get("metadata").Text("name")}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_silos_run_farm_server_with_options_it_accepts_on_the_ports_volume_and_address_the_objects_name()
    {
        var image = SiloImage.Read();
        var silos = Object("StatefulSet", "buildfarm-silo");
        var pod = silos.Get("spec").Get("template").Get("spec");
        var container = pod.Get("containers").Items().Single();
        var environment = new Dictionary<string, string>(image.Environment);
        foreach (var variable in container.Get("env").Items())
        {
            environment[variable.Text("name")] = variable.Find("value")?.Text() ?? FromDownwardApi(variable);
        }

        // args replace the image's CMD; a command would replace its entrypoint (tini and farm server).
        Assert.Null(container.Find("command"));
        var invocation = SiloInvocation.Parse("deploy/k8s StatefulSet buildfarm-silo", [.. image.Program.Skip(1), .. container.Get("args").Strings()], environment);

        Assert.Equal(PodIp, invocation.Value("--advertise"));
        Assert.Equal(("buildfarm-silo:latest", "true"), (container.Text("image"), container.Get("securityContext").Text("privileged")));
        Assert.Equal(
            new Dictionary<string, int>
            {
                ["grpc"] = invocation.Port("--listen"),
                ["metrics"] = invocation.Port("--metrics-listen"),
                ["silo"] = invocation.Port("--silo-port"),
                ["gateway"] = invocation.Port("--gateway-port"),
            },
            ContainerPorts(container));
        Assert.Equal(invocation.Port("--listen"), int.Parse(container.Get("readinessProbe").Get("grpc").Text("port"), CultureInfo.InvariantCulture));
        Assert.Equal(invocation.Port("--listen"), int.Parse(container.Get("livenessProbe").Get("grpc").Text("port"), CultureInfo.InvariantCulture));

        // Each silo's data directory is its own claim's volume.
        var claim = silos.Get("spec").Get("volumeClaimTemplates").Items().Single().Get("metadata").Text("name");
        Assert.Equal([$"{claim} {invocation.Value("--data-dir")}"], container.Get("volumeMounts").Items().Select(static m => $"{m.Text("name")} {m.Text("mountPath")}"));

        // Redis is what its Service names, on the port that Service serves and the Redis pod listens on.
        var redisService = Object("Service", "buildfarm-redis");
        var redisPort = redisService.Get("spec").Get("ports").Items().Single();
        Assert.Equal($"buildfarm-redis:{redisPort.Text("port")}", invocation.Value("--redis"));
        Assert.Equal(6379, TargetPort(redisService, redisPort));
    }

    [Fact]
    public void Each_service_selects_pods_that_serve_its_target_ports_and_the_silos_have_a_headless_service()
    {
        foreach (var service in _objects.Where(static o => o.Text("kind") == "Service"))
        {
            var name = service.Get("metadata").Text("name");
            Assert.True(service.Get("spec").Get("ports").Items().All(port => TargetPort(service, port) > 0), $"Service {name} targets a port its pods do not serve");
        }

        var silos = Object("StatefulSet", "buildfarm-silo").Get("spec");
        var headless = Object("Service", silos.Text("serviceName")).Get("spec");
        Assert.Equal("None", headless.Text("clusterIP"));
        Assert.Equal(silos.Get("selector").Get("matchLabels").Pairs(), headless.Get("selector").Pairs());
        Assert.Equal(["buildfarm", "buildfarm-metrics", "buildfarm-silos"], ServicesOf(silos.Get("template")));
        Assert.Equal(["buildfarm-redis"], ServicesOf(Object("Deployment", "buildfarm-redis").Get("spec").Get("template")));
        var redisVolume = Object("Deployment", "buildfarm-redis").Get("spec").Get("template").Get("spec").Get("volumes").Items().Single();
        Assert.Equal(Object("PersistentVolumeClaim", "buildfarm-redis").Get("metadata").Text("name"), redisVolume.Get("persistentVolumeClaim").Text("claimName"));
    }

    [Fact]
    public void Prometheus_scrapes_each_silos_metrics_port_through_the_metrics_service()
    {
        var metrics = Object("Service", "buildfarm-metrics");
        var port = metrics.Get("spec").Get("ports").Items().Single();
        var container = Object("StatefulSet", "buildfarm-silo").Get("spec").Get("template").Get("spec").Get("containers").Items().Single();

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["prometheus.io/scrape"] = "true",
                ["prometheus.io/port"] = ContainerPorts(container)["metrics"].ToString(CultureInfo.InvariantCulture),
                ["prometheus.io/path"] = "/metrics",
            },
            metrics.Get("metadata").Get("annotations").Pairs());
        Assert.Equal(ContainerPorts(container)["metrics"], TargetPort(metrics, port));
    }

    private YamlNode Object(string kind, string name) =>
        _objects.Single(o => o.Text("kind") == kind && o.Get("metadata").Text("name") == name);

    /// <summary>The pod templates of the workloads whose labels a Service's selector matches.</summary>
    private IEnumerable<YamlNode> PodsOf(YamlNode service)
    {
        var selector = service.Get("spec").Get("selector").Pairs();
        return _objects.Where(static o => o.Text("kind") is "StatefulSet" or "Deployment")
            .Select(static o => o.Get("spec").Get("template"))
            .Where(template => selector.All(label => template.Get("metadata").Get("labels").Pairs().GetValueOrDefault(label.Key) == label.Value));
    }

    private string[] ServicesOf(YamlNode template) =>
        [.. _objects.Where(o => o.Text("kind") == "Service" && PodsOf(o).Contains(template)).Select(static o => o.Get("metadata").Text("name")).Order(StringComparer.Ordinal)];

    /// <summary>The container port a Service port leads to, by name or number, on every pod it selects; 0 when some pod lacks it.</summary>
    private int TargetPort(YamlNode service, YamlNode port)
    {
        var target = port.Find("targetPort")?.Text() ?? port.Text("port");
        var pods = PodsOf(service).ToList();
        var found = pods.Select(pod => pod.Get("spec").Get("containers").Items().SelectMany(static c => ContainerPorts(c)).FirstOrDefault(p => p.Key == target || p.Value.ToString(CultureInfo.InvariantCulture) == target).Value).Distinct().ToList();
        return pods.Count > 0 && found.Count == 1 ? found[0] : 0;
    }

    private static Dictionary<string, int> ContainerPorts(YamlNode container) =>
        container.Get("ports").Items().ToDictionary(static p => p.Text("name"), static p => int.Parse(p.Text("containerPort"), CultureInfo.InvariantCulture));

    private static string FromDownwardApi(YamlNode variable)
    {
        Assert.Equal(("FARM_ADVERTISE", "status.podIP"), (variable.Text("name"), variable.Get("valueFrom").Get("fieldRef").Text("fieldPath")));
        return PodIp;
    }
}
