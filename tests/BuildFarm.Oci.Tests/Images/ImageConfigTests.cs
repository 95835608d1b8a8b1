using System.Text;
using BuildFarm.Oci.Images;

namespace BuildFarm.Oci.Tests.Images;

public class ImageConfigTests
{
    private static readonly Digest LayerA = Digest.Sha256("a"u8);

    [Fact]
    public void Full_config_serializes_to_exact_bytes_with_sorted_maps_and_omitted_empties()
    {
        var config = new ImageConfig
        {
            Architecture = "amd64",
            OS = "linux",
            Created = new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.FromHours(2)).AddTicks(1_500_000),
            Config = new ContainerConfig
            {
                User = "app",
                ExposedPorts = new HashSet<string> { "8080/tcp", "53/udp" },
                Env = ["PATH=/usr/bin", "A=b"],
                Entrypoint = ["/bin/sh", "-c"],
                Cmd = ["echo <hi> & bye"],
                Volumes = new HashSet<string> { "/data" },
                WorkingDir = "/app",
                Labels = new Dictionary<string, string> { ["z"] = "1", ["a"] = "2" },
                StopSignal = "SIGTERM",
                ArgsEscaped = false,
                Healthcheck = new Healthcheck { Test = ["CMD", "true"], Interval = TimeSpan.FromSeconds(30), Retries = 3 },
                OnBuild = [],
                Shell = ["/bin/bash", "-c"],
            },
            RootFs = new RootFs { DiffIds = [LayerA] },
            History =
            [
                new HistoryEntry { CreatedBy = "COPY . /app", Comment = "buildkit.dockerfile.v0" },
                new HistoryEntry { CreatedBy = "ENV A=b", EmptyLayer = true },
            ],
        };

        var json = Encoding.UTF8.GetString(config.ToJson());

        Assert.Equal(
            """{"architecture":"amd64","config":{"User":"app","ExposedPorts":{"53/udp":{},"8080/tcp":{}},"Env":["PATH=/usr/bin","A=b"],"Entrypoint":["/bin/sh","-c"],"Cmd":["echo <hi> & bye"],"Volumes":{"/data":{}},"WorkingDir":"/app","Labels":{"a":"2","z":"1"},"StopSignal":"SIGTERM","Healthcheck":{"Test":["CMD","true"],"Interval":30000000000,"Retries":3},"Shell":["/bin/bash","-c"]},"created":"2024-01-02T01:04:05.15Z","history":[{"created_by":"COPY . /app","comment":"buildkit.dockerfile.v0"},{"created_by":"ENV A=b","empty_layer":true}],"os":"linux","rootfs":{"type":"layers","diff_ids":["""
            + "\"" + LayerA + "\"]}}",
            json);
    }

    [Fact]
    public void Same_config_built_with_different_map_insertion_order_gives_the_same_digest()
    {
        ImageConfig Make(params string[] keys) => new()
        {
            Architecture = "arm64",
            OS = "linux",
            Config = new ContainerConfig { Labels = keys.ToDictionary(k => k, k => k.ToUpperInvariant()) },
        };

        Assert.Equal(Make("b", "a", "c").ToDescriptor().Digest, Make("c", "b", "a").ToDescriptor().Digest);
    }

    [Fact]
    public void Docker_config_with_unknown_fields_round_trips_them()
    {
        var input = """{"architecture":"amd64","config":{"Hostname":"abc","Cmd":["sh"],"Image":"sha256:00"},"container_config":{"Cmd":["/bin/sh","-c","#(nop) CMD [\"sh\"]"]},"created":"2023-05-19T20:19:22.751398522Z","docker_version":"20.10.23","history":[{"created":"2023-05-19T20:19:22.642507645Z","created_by":"/bin/sh -c #(nop) ADD file:1 in / "}],"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:9547b4c33213e630a0ca602a989ecc094e042146ae8afa502e1e65af6473db03"]}}""";

        var config = ImageConfig.Parse(Encoding.UTF8.GetBytes(input));

        Assert.Equal(["sh"], config.Config!.Cmd);
        Assert.Equal(new DateTimeOffset(2023, 5, 19, 20, 19, 22, TimeSpan.Zero).AddTicks(7513985), config.Created);
        Assert.Equal(
            """{"architecture":"amd64","config":{"Cmd":["sh"],"Hostname":"abc","Image":"sha256:00"},"created":"2023-05-19T20:19:22.7513985Z","history":[{"created":"2023-05-19T20:19:22.6425076Z","created_by":"/bin/sh -c #(nop) ADD file:1 in / "}],"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:9547b4c33213e630a0ca602a989ecc094e042146ae8afa502e1e65af6473db03"]},"container_config":{"Cmd":["/bin/sh","-c","#(nop) CMD [\"sh\"]"]},"docker_version":"20.10.23"}""",
            Encoding.UTF8.GetString(config.ToJson()));
    }

    [Fact]
    public void Parsed_config_is_equal_after_a_second_round_trip()
    {
        var first = new ImageConfig { Architecture = "amd64", OS = "linux", Config = new ContainerConfig { Volumes = new HashSet<string> { "/b", "/a" } } }.ToJson();
        var second = ImageConfig.Parse(first).ToJson();
        Assert.Equal(first, second);
        Assert.Equal("""{"architecture":"amd64","config":{"Volumes":{"/a":{},"/b":{}}},"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""", Encoding.UTF8.GetString(second));
    }

    [Fact]
    public void Healthcheck_durations_are_nanoseconds()
    {
        var config = ImageConfig.Parse("""{"architecture":"amd64","os":"linux","config":{"Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":1500000000,"Timeout":2000000,"StartPeriod":0,"StartInterval":5000000000,"Retries":2}},"rootfs":{"type":"layers","diff_ids":[]}}"""u8);

        var check = config.Config!.Healthcheck!;
        Assert.Equal(TimeSpan.FromMilliseconds(1500), check.Interval);
        Assert.Equal(TimeSpan.FromMilliseconds(2), check.Timeout);
        Assert.Equal(TimeSpan.Zero, check.StartPeriod);
        Assert.Equal(TimeSpan.FromSeconds(5), check.StartInterval);
        Assert.Equal(2, check.Retries);
    }

    [Fact]
    public void Bad_rootfs_type_is_rejected_with_the_field_named()
    {
        var e = Assert.Throws<InvalidDataException>(() => ImageConfig.Parse("""{"architecture":"amd64","os":"linux","rootfs":{"type":"foo","diff_ids":[]}}"""u8));
        Assert.Equal("image config: rootfs.type is 'foo', expected 'layers'.", e.Message);
    }

    [Fact]
    public void Bad_digest_is_rejected_with_its_path()
    {
        var e = Assert.Throws<InvalidDataException>(() => ImageConfig.Parse("""{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["md5:00"]}}"""u8));
        Assert.Equal("image config is not valid: 'md5:00' is not a valid digest. Path: $.rootfs.diff_ids[0].", e.Message);
    }
}
