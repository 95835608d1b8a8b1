using BuildFarm.Execution.Config;
using BuildFarm.Oci;
using BuildFarm.Oci.Images;
using static BuildFarm.Execution.Tests.Config.ConfigFixture;

namespace BuildFarm.Execution.Tests.Config;

public sealed class ImageConfigBuilderTests
{
    private const string PathEnv = "PATH=" + ImageConfigBuilder.DefaultPath;

    private static readonly ImageConfig Base = new()
    {
        OS = "linux",
        Architecture = "amd64",
        Created = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000),
        Config = new ContainerConfig
        {
            Env = ["PATH=/bin", "HOME=/root"],
            Cmd = ["sh"],
            WorkingDir = "/srv",
            User = "nobody",
            Labels = new Dictionary<string, string> { ["vendor"] = "base", ["keep"] = "yes" },
            OnBuild = ["RUN echo trigger"],
        },
        History = [new HistoryEntry { CreatedBy = "base step" }],
        RootFs = new RootFs { DiffIds = [Digest.Sha256("base layer"u8)] },
    };

    [Fact]
    public void Scratch_starts_with_root_workdir_and_default_path()
    {
        var json = Json(ConfigFixture.Config("FROM scratch\nENV A=b\n"));

        Assert.Equal(
            """{"architecture":"amd64","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","A=b"],"WorkingDir":"/"},"created":"2023-11-14T22:13:20Z","history":[{"created":"2023-11-14T22:13:20Z","created_by":"ENV A=b","comment":"buildkit.dockerfile.v0","empty_layer":true}],"os":"linux","rootfs":{"type":"layers","diff_ids":[]}}""",
            json);
    }

    [Fact]
    public void Scratch_on_windows_gets_no_path()
    {
        var config = ImageConfigBuilder.FromScratch(new Platform { OS = "windows", Architecture = "amd64" }, null).Build();

        Assert.Null(config.Config!.Env);
        Assert.Equal("/", config.Config.WorkingDir);
        Assert.Empty(config.History!);
    }

    [Fact]
    public void Env_replaces_in_place_and_keeps_first_definition_order()
    {
        var (config, steps) = Apply("FROM scratch\nENV A=1 B=2\nENV A=3 C=$B\n");

        Assert.Equal([PathEnv, "A=3", "B=2", "C=2"], config.Config!.Env);
        Assert.Equal(["ENV A=1 B=2", "ENV A=3 C=2"], steps.Select(s => s.History!.CreatedBy));
        Assert.All(steps, s => Assert.True(s.History!.EmptyLayer));
    }

    [Fact]
    public void Base_image_config_is_inherited_and_its_onbuild_triggers_cleared()
    {
        var (config, steps) = Apply("FROM base\nENV HOME=/home\n", Base);

        Assert.Equal(["PATH=/bin", "HOME=/home"], config.Config!.Env);
        Assert.Equal(["sh"], config.Config.Cmd);
        Assert.Equal("/srv", config.Config.WorkingDir);
        Assert.Equal("nobody", config.Config.User);
        Assert.Null(config.Config.OnBuild);
        Assert.Equal(["base step", "ENV HOME=/home"], config.History!.Select(h => h.CreatedBy));
        Assert.Equal([Digest.Sha256("base layer"u8)], config.RootFs.DiffIds);
        Assert.Equal(Epoch, config.Created);
        Assert.Single(steps);
    }

    [Fact]
    public void Base_without_path_gets_the_default_path_appended()
    {
        var noPath = Base with { Config = Base.Config! with { Env = ["HOME=/root"], OnBuild = null } };

        Assert.Equal(["HOME=/root", PathEnv], ConfigFixture.Config("FROM base\nUSER root\n", noPath).Config!.Env);
    }

    [Fact]
    public void Workdir_is_relative_to_the_previous_one_and_asks_for_the_directory()
    {
        var (config, steps) = Apply("FROM scratch\nWORKDIR /app\nWORKDIR src/../lib\nWORKDIR /\n");

        Assert.Equal("/", config.Config!.WorkingDir);
        Assert.Equal(["/app", "/app/lib", null], steps.Select(s => s.DirectoryToCreate));
        Assert.Equal(["WORKDIR /app", "WORKDIR /app/lib", "WORKDIR /"], steps.Select(s => s.History!.CreatedBy));
        Assert.Equal([false, false, true], steps.Select(s => s.History!.EmptyLayer));
    }

    [Fact]
    public void User_label_stopsignal_and_maintainer()
    {
        var (config, steps) = Apply("FROM base\nUSER app:staff\nLABEL vendor=me \"a b\"=\"c d\"\nSTOPSIGNAL SIGTERM\nMAINTAINER Jane <j@x>\n", Base);

        Assert.Equal("app:staff", config.Config!.User);
        Assert.Equal(new Dictionary<string, string> { ["a b"] = "c d", ["keep"] = "yes", ["vendor"] = "me" }, config.Config.Labels);
        Assert.Equal("SIGTERM", config.Config.StopSignal);
        Assert.Equal("Jane <j@x>", config.Author);
        Assert.Equal(
            ["USER app:staff", "LABEL vendor=me a b=c d", "STOPSIGNAL SIGTERM", "MAINTAINER Jane <j@x>"],
            steps.Select(s => s.History!.CreatedBy));
    }

    [Fact]
    public void Expose_and_volume_merge_and_record_go_lists()
    {
        var (config, _) = Apply("FROM scratch\nEXPOSE 80 53/UDP 8000-8001\nEXPOSE 80/tcp\nVOLUME /data /logs\nVOLUME [\"/cache\"]\n");

        Assert.Equal(
            """{"ExposedPorts":{"53/udp":{},"80/tcp":{},"8000/tcp":{},"8001/tcp":{}},"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Volumes":{"/cache":{},"/data":{},"/logs":{}},"WorkingDir":"/"}""",
            ConfigJson(config));
        Assert.Equal(
            ["EXPOSE [80/tcp 53/udp 8000/tcp 8001/tcp]", "EXPOSE [80/tcp]", "VOLUME [/data /logs]", "VOLUME [/cache]"],
            config.History!.Select(h => h.CreatedBy));
    }

    [Fact]
    public void Cmd_shell_form_is_wrapped_in_the_current_shell()
    {
        var (config, _) = Apply("FROM scratch\nCMD echo \"hi there\"\nSHELL [\"/bin/bash\", \"-c\"]\nENTRYPOINT exec app\n");

        Assert.Equal(["/bin/bash", "-c", "exec app"], config.Config!.Entrypoint);
        Assert.Equal(["/bin/sh", "-c", "echo \"hi there\""], config.Config.Cmd);
        Assert.True(config.Config.ArgsEscaped);
        Assert.Equal(["/bin/bash", "-c"], config.Config.Shell);
        Assert.Equal(
            ["CMD [\"/bin/sh\" \"-c\" \"echo \\\"hi there\\\"\"]", "SHELL [/bin/bash -c]", "ENTRYPOINT [\"/bin/bash\" \"-c\" \"exec app\"]"],
            config.History!.Select(h => h.CreatedBy));
    }

    [Fact]
    public void Entrypoint_clears_an_inherited_cmd()
    {
        var config = ConfigFixture.Config("FROM base\nENTRYPOINT [\"app\"]\n", Base);

        Assert.Equal(["app"], config.Config!.Entrypoint);
        Assert.Null(config.Config.Cmd);
        Assert.False(config.Config.ArgsEscaped);
    }

    [Fact]
    public void Entrypoint_keeps_a_cmd_set_earlier_in_the_stage()
    {
        var config = ConfigFixture.Config("FROM base\nCMD [\"--help\"]\nENTRYPOINT [\"app\"]\n", Base);

        Assert.Equal(["app"], config.Config!.Entrypoint);
        Assert.Equal(["--help"], config.Config.Cmd);
        Assert.Equal("ENTRYPOINT [\"app\"]", config.History![^1].CreatedBy);
    }

    [Fact]
    public void Healthcheck_keeps_every_field_with_nanosecond_durations()
    {
        var config = ConfigFixture.Config("FROM scratch\nHEALTHCHECK --interval=5s --timeout=1m30s --start-period=100ms --start-interval=2s --retries=3 CMD curl -f http://x/\n");

        Assert.Equal(
            """{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"WorkingDir":"/","Healthcheck":{"Test":["CMD-SHELL","curl -f http://x/"],"Interval":5000000000,"Timeout":90000000000,"StartPeriod":100000000,"StartInterval":2000000000,"Retries":3}}""",
            ConfigJson(config));
        Assert.Equal(
            "HEALTHCHECK {Test:[CMD-SHELL curl -f http://x/] Interval:5s Timeout:1m30s StartPeriod:100ms StartInterval:2s Retries:3}",
            config.History!.Single().CreatedBy);
    }

    [Fact]
    public void Healthcheck_none_disables_the_check()
    {
        var config = ConfigFixture.Config("FROM scratch\nHEALTHCHECK NONE\n");

        Assert.Equal(["NONE"], config.Config!.Healthcheck!.Test);
        Assert.Equal("HEALTHCHECK {Test:[NONE] Interval:0s Timeout:0s StartPeriod:0s StartInterval:0s Retries:0}", config.History!.Single().CreatedBy);
    }

    [Fact]
    public void Onbuild_appends_the_trigger_text_without_a_history_entry()
    {
        var (config, steps) = Apply("FROM scratch\nONBUILD RUN make\nONBUILD  COPY  . /src\n");

        Assert.Equal(["RUN make", "COPY  . /src"], config.Config!.OnBuild);
        Assert.All(steps, s => Assert.Null(s.History));
        Assert.Empty(config.History!);
    }

    [Fact]
    public void Run_history_lists_build_args_with_the_values_the_command_sees()
    {
        var history = History("FROM scratch\nARG X=1 Y\nRUN echo $X\nENV X=2\nARG X\nRUN [\"true\"]\n", buildArgs: new Dictionary<string, string> { ["Y"] = "y" });

        Assert.Equal(
            ["ARG X=1 Y=y", "RUN |2 X=1 Y=y /bin/sh -c echo $X # buildkit", "ENV X=2", "ARG X", "RUN |2 X=2 Y=y true # buildkit"],
            history);
    }

    [Fact]
    public void Run_without_build_args_has_no_count()
    {
        var (config, steps) = Apply("FROM scratch\nRUN echo hi\n");

        Assert.Equal("RUN /bin/sh -c echo hi # buildkit", steps.Single().History!.CreatedBy);
        Assert.False(steps.Single().History!.EmptyLayer);
        Assert.Null(config.Config!.Cmd);
    }

    [Fact]
    public void Copy_and_add_history_show_chown_chmod_sources_and_destination()
    {
        var history = History("FROM scratch\nCOPY --chown=1:2 --chmod=644 a b /dst/\nADD --link x.tar /\nCOPY --parents <<EOF /f\nhi\nEOF\n");

        Assert.Equal(["COPY --chown=1:2 --chmod=644 a b /dst/ # buildkit", "ADD x.tar / # buildkit", "COPY --parents <<EOF /f # buildkit"], history);
    }

    [Fact]
    public void A_relative_destination_is_shown_as_written_with_its_variables_expanded()
    {
        var history = History("FROM scratch\nWORKDIR /app\nENV D=lib\nCOPY a $D/\nCOPY b .\nADD --chown=1 c ./sub/../file\nCOPY d /abs/$D\n");

        Assert.Equal(["WORKDIR /app", "ENV D=lib", "COPY a lib/ # buildkit", "COPY b . # buildkit", "ADD --chown=1 c ./sub/../file # buildkit", "COPY d /abs/lib # buildkit"], history);
    }

    [Fact]
    public void Layers_are_recorded_in_order_after_the_base_layers()
    {
        var builder = ImageConfigBuilder.FromBase(Base, null);
        var layer = Digest.Sha256("new layer"u8);
        builder.AddLayer(layer);

        var config = builder.Build();

        Assert.Equal([Digest.Sha256("base layer"u8), layer], config.RootFs.DiffIds);
        Assert.Equal(Base.Created, config.Created);
        Assert.Equal(["RUN echo trigger"], Base.Config!.OnBuild);
    }

    private static string ConfigJson(ImageConfig config)
    {
        var json = Json(config);
        var start = json.IndexOf("\"config\":", StringComparison.Ordinal) + "\"config\":".Length;
        var end = json.IndexOf(",\"created\"", StringComparison.Ordinal);
        return json[start..end];
    }
}
