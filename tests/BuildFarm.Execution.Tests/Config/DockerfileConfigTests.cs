using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Config;
using BuildFarm.Oci.Images;
using static BuildFarm.Execution.Tests.Config.ConfigFixture;

namespace BuildFarm.Execution.Tests.Config;

/// <summary>Whole Dockerfiles: parse, plan with the real planner, apply every step, compare the config.</summary>
public sealed class DockerfileConfigTests
{
    [Fact]
    public void Multi_instruction_dockerfile_gives_buildkits_config_and_history()
    {
        const string dockerfile = """
            FROM scratch
            LABEL org.opencontainers.image.title=demo
            ARG VERSION=1.2
            ENV APP_HOME=/app VERSION=$VERSION
            WORKDIR $APP_HOME
            COPY src/ /app/
            RUN ./build.sh $VERSION
            USER 1000:1000
            EXPOSE 8080
            VOLUME /data
            HEALTHCHECK --interval=30s CMD ["/app/check"]
            STOPSIGNAL SIGINT
            ENTRYPOINT ["/app/server"]
            CMD ["--port", "8080"]
            """;

        var (config, steps) = Apply(dockerfile);

        Assert.Equal(
            """{"architecture":"amd64","config":{"User":"1000:1000","ExposedPorts":{"8080/tcp":{}},"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","APP_HOME=/app","VERSION=1.2"],"Entrypoint":["/app/server"],"Cmd":["--port","8080"],"Volumes":{"/data":{}},"WorkingDir":"/app","Labels":{"org.opencontainers.image.title":"demo"},"StopSignal":"SIGINT","ArgsEscaped":true,"Healthcheck":{"Test":["CMD","/app/check"],"Interval":30000000000}},"created":"2023-11-14T22:13:20Z","history":[""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"LABEL org.opencontainers.image.title=demo","comment":"buildkit.dockerfile.v0","empty_layer":true},""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"ARG VERSION=1.2","comment":"buildkit.dockerfile.v0","empty_layer":true},""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"ENV APP_HOME=/app VERSION=1.2","comment":"buildkit.dockerfile.v0","empty_layer":true},""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"WORKDIR /app","comment":"buildkit.dockerfile.v0"},""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"COPY src/ /app/ # buildkit","comment":"buildkit.dockerfile.v0"},""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"RUN |1 VERSION=1.2 /bin/sh -c ./build.sh $VERSION # buildkit","comment":"buildkit.dockerfile.v0"},""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"USER 1000:1000","comment":"buildkit.dockerfile.v0","empty_layer":true},""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"EXPOSE [8080/tcp]","comment":"buildkit.dockerfile.v0","empty_layer":true},""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"VOLUME [/data]","comment":"buildkit.dockerfile.v0","empty_layer":true},""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"HEALTHCHECK {Test:[CMD /app/check] Interval:30s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}","comment":"buildkit.dockerfile.v0","empty_layer":true},""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"STOPSIGNAL SIGINT","comment":"buildkit.dockerfile.v0","empty_layer":true},""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"ENTRYPOINT [\"/app/server\"]","comment":"buildkit.dockerfile.v0","empty_layer":true},""" +
            """{"created":"2023-11-14T22:13:20Z","created_by":"CMD [\"--port\" \"8080\"]","comment":"buildkit.dockerfile.v0","empty_layer":true}""" +
            """],"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""",
            Json(config));
        Assert.Equal("/app", Assert.Single(steps, s => s.DirectoryToCreate is not null).DirectoryToCreate);
    }

    [Fact]
    public void Stage_on_a_stage_runs_its_onbuild_triggers_and_drops_them()
    {
        var plan = BuildPlanner.Plan("FROM scratch AS base\nENV A=1\nONBUILD ENV B=2\nFROM base\nCMD [\"x\"]\n", "Dockerfile", new BuildPlanOptions());
        var first = ImageConfigBuilder.FromScratch(Linux, Epoch);
        foreach (var step in plan.Stage(0).Steps)
        {
            first.Apply(step);
        }

        var baseConfig = first.Build();
        var second = ImageConfigBuilder.FromBase(baseConfig, Epoch);
        foreach (var step in plan.Stage(1).Steps)
        {
            second.Apply(step);
        }

        var config = second.Build();

        Assert.Equal(["ENV B=2"], baseConfig.Config!.OnBuild);
        Assert.Null(config.Config!.OnBuild);
        Assert.Equal(["PATH=" + ImageConfigBuilder.DefaultPath, "A=1", "B=2"], config.Config.Env);
        Assert.Equal(["ENV A=1", "ENV B=2", "CMD [\"x\"]"], config.History!.Select(h => h.CreatedBy));
    }

    [Fact]
    public void A_from_instruction_is_not_a_config_step()
    {
        var plan = BuildPlanner.Plan("FROM scratch\nENV A=1\n", "Dockerfile", new BuildPlanOptions());
        var step = plan.Target.Steps[0] with { Instruction = plan.Target.From };

        var error = Assert.Throws<ArgumentException>(() => ImageConfigBuilder.FromScratch(Linux, Epoch).Apply(step));

        Assert.Equal("FROM is not a step that changes an image config. (Parameter 'step')", error.Message);
    }
}
