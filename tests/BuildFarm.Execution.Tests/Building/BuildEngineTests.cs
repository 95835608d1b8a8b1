using BuildFarm.Dockerfile.Planning;
using BuildFarm.Execution.Building;
using BuildFarm.Execution.Tests.TestSupport;
using BuildFarm.Testing;
using BuildFarm.Oci.Images;

namespace BuildFarm.Execution.Tests.Building;

[Collection(EngineCollection.Name)]
public sealed class BuildEngineTests(EngineFixture fixture)
{
    [Fact]
    public async Task Step_names_count_a_FROM_only_where_it_names_an_image_and_pad_the_number_as_BuildKit()
    {
        using var build = new TestBuild(fixture);

        var outcome = await build.BuildAsync("""
            FROM busybox AS base
            ENV A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 I=9
            LABEL a=1
            LABEL b=2
            LABEL c=3
            LABEL d=4
            LABEL e=5
            LABEL f=6
            LABEL g=7
            LABEL h=8
            FROM base AS child
            ENV J=10
            FROM scratch
            COPY --from=child /bin/busybox /busybox
            """);

        Assert.Equal(
            [
                "[base  2/10] ENV A=1 B=2 C=3 D=4 E=5 F=6 G=7 H=8 I=9", "[base  3/10] LABEL a=1", "[base  4/10] LABEL b=2", "[base  5/10] LABEL c=3", "[base  6/10] LABEL d=4",
                "[base  7/10] LABEL e=5", "[base  8/10] LABEL f=6", "[base  9/10] LABEL g=7", "[base 10/10] LABEL h=8",
                "[child 1/1] ENV J=10",
                "[stage-2 1/1] COPY --from=child /bin/busybox /busybox",
            ],
            outcome.Result.Steps.Select(s => s.Name));
    }

    [Fact]
    public async Task A_single_stage_build_makes_an_image_of_its_base_and_its_layers()
    {
        using var build = new TestBuild(fixture);

        var outcome = await build.BuildAsync("""
            FROM busybox
            ENV GREETING=hi
            RUN echo $GREETING > /hello && echo printed
            CMD ["cat", "/hello"]
            """);

        var result = outcome.Result;
        Assert.Equal([StepOutcome.ConfigOnly, StepOutcome.Ran, StepOutcome.ConfigOnly], outcome.Outcomes);
        Assert.Equal(["[2/4] ENV GREETING=hi", "[3/4] RUN echo $GREETING > /hello && echo printed", "[4/4] CMD [\"cat\",\"/hello\"]"], result.Steps.Select(s => s.Name));
        Assert.Equal(["printed"], outcome.Output);
        Assert.Equal(["cat", "/hello"], result.Config.Config!.Cmd);
        Assert.Contains("GREETING=hi", result.Config.Config.Env!);
        Assert.Equal(DateTimeOffset.UnixEpoch, result.Config.Created);

        var manifest = await build.ManifestAsync(result);
        Assert.Equal([fixture.Busybox.Descriptor.Digest, result.Steps[1].Layer!.Descriptor.Digest], manifest.Layers.Select(l => l.Digest));
        Assert.All(manifest.Layers, l => Assert.Equal(MediaTypes.OciLayerGzip, l.MediaType));
        Assert.Equal(result.ConfigDigest, manifest.Config.Digest);
        Assert.Equal([fixture.Busybox.DiffId, result.Steps[1].Layer!.DiffId], result.Config.RootFs.DiffIds);
        Assert.Equal([LayerItem.File("hello", "hi\n")], await Layers.ReadAsync(fixture.Store, result.Steps[1].Layer!));
    }

    [Fact]
    public async Task Two_steps_that_make_the_same_layer_leave_later_steps_a_root_to_run_in()
    {
        using var build = new TestBuild(fixture);
        build.Write("single.txt", "one file\n");

        var outcome = await build.BuildAsync("""
            FROM busybox
            COPY single.txt /newdir/
            COPY single.txt /newdir
            RUN cat /newdir/single.txt
            """);

        var steps = outcome.Result.Steps;
        Assert.Equal([StepOutcome.Ran, StepOutcome.Ran, StepOutcome.Ran], outcome.Outcomes);
        Assert.Equal(steps[0].Layer, steps[1].Layer);
        Assert.Equal(["one file"], outcome.Output);
        Assert.Null(steps[2].Layer); // the RUN changed nothing
        Assert.Equal([fixture.Busybox.DiffId, steps[0].Layer!.DiffId, steps[0].Layer!.DiffId], outcome.Result.Config.RootFs.DiffIds);
    }

    [Fact]
    public async Task A_rebuild_of_unchanged_input_hits_every_step_and_gives_the_same_digest()
    {
        using var build = new TestBuild(fixture);
        const string dockerfile = "FROM busybox\nRUN echo one > /one\nRUN echo two > /two\n";
        var first = await build.BuildAsync(dockerfile);

        var second = await build.BuildAsync(dockerfile);

        Assert.Equal([StepOutcome.Ran, StepOutcome.Ran], first.Outcomes);
        Assert.Equal([StepOutcome.Cached, StepOutcome.Cached], second.Outcomes);
        Assert.Equal(first.Result.Manifest, second.Result.Manifest);
        Assert.Equal(first.Result.Steps.Select(s => s.Key), second.Result.Steps.Select(s => s.Key));
        Assert.Empty(second.Events.OfType<StepStarted>());
    }

    [Fact]
    public async Task Proxy_build_args_reach_RUN_in_both_spellings_stay_out_of_key_and_history_and_a_changed_ARG_still_misses()
    {
        using var build = new TestBuild(fixture);
        const string dockerfile = "FROM busybox\nARG FOO\nRUN echo -n $HTTP_PROXY:$http_proxy:$NO_PROXY:$no_proxy:$FOO > /out\n";
        var first = await build.BuildAsync(dockerfile, new Dictionary<string, string> { ["FOO"] = "a", ["http_proxy"] = "hpvalue", ["NO_PROXY"] = "npvalue" });
        var changedProxy = await build.BuildAsync(dockerfile, new Dictionary<string, string> { ["FOO"] = "a", ["http_proxy"] = "hpvalue2" });
        var changedArg = await build.BuildAsync(dockerfile, new Dictionary<string, string> { ["FOO"] = "b", ["http_proxy"] = "hpvalue2" });

        Assert.Equal([StepOutcome.ConfigOnly, StepOutcome.Ran], first.Outcomes);
        Assert.Equal([LayerItem.File("out", "hpvalue:hpvalue:npvalue:npvalue:a")], await Layers.ReadAsync(fixture.Store, first.Result.Steps[1].Layer!));
        Assert.Equal("RUN |1 FOO=a /bin/sh -c echo -n $HTTP_PROXY:$http_proxy:$NO_PROXY:$no_proxy:$FOO > /out # buildkit", first.Result.Config.History![^1].CreatedBy);
        Assert.Equal([StepOutcome.ConfigOnly, StepOutcome.Cached], changedProxy.Outcomes);
        Assert.Equal(first.Result.Manifest, changedProxy.Result.Manifest);
        Assert.Equal([StepOutcome.ConfigOnly, StepOutcome.Ran], changedArg.Outcomes);
        Assert.Equal([LayerItem.File("out", "hpvalue2:hpvalue2:::b")], await Layers.ReadAsync(fixture.Store, changedArg.Result.Steps[1].Layer!));
    }

    [Fact]
    public async Task Layers_are_reproducible_across_caches_because_times_are_clamped()
    {
        const string dockerfile = "FROM busybox\nRUN mkdir /d && echo x > /d/f && touch -d 2020-01-01 /d/f\n";
        using var one = new TestBuild(fixture);
        using var two = new TestBuild(fixture);

        var first = await one.BuildAsync(dockerfile);
        var second = await two.BuildAsync(dockerfile);

        Assert.Equal(StepOutcome.Ran, second.Result.Steps[0].Outcome);
        Assert.Equal(first.Result.Manifest.Digest, second.Result.Manifest.Digest);
    }

    [Fact]
    public async Task A_step_that_re_ran_with_identical_output_leaves_the_next_step_a_hit()
    {
        using var build = new TestBuild(fixture);
        var first = await build.BuildAsync("FROM busybox\nRUN echo same > /f\nRUN cat /f /f > /g\n");

        // Another command that writes the same file: the step runs, its layer is byte for byte the same.
        var second = await build.BuildAsync("FROM busybox\nRUN echo same >/f\nRUN cat /f /f > /g\n");

        Assert.Equal([StepOutcome.Ran, StepOutcome.Cached], second.Outcomes);
        Assert.NotEqual(first.Result.Steps[0].Key, second.Result.Steps[0].Key);
        Assert.Equal(first.Result.Steps[0].Layer, second.Result.Steps[0].Layer);
        Assert.Equal(first.Result.Config.RootFs.DiffIds, second.Result.Config.RootFs.DiffIds);
    }

    [Theory]
    [InlineData("FROM busybox\nRUN echo a > /f\nRUN echo b > /g\n", "FROM busybox\n# a comment\nRUN echo a > /f\n\nRUN echo b > /g\n", true)]
    [InlineData("FROM busybox\nRUN echo a > /f\nRUN echo b > /g\n", "FROM busybox\nRUN echo A > /f\nRUN echo b > /g\n", false)]
    [InlineData("FROM busybox\nENV X=1\nRUN echo a > /f\n", "FROM busybox\nENV X=2\nRUN echo a > /f\n", false)]
    [InlineData("FROM busybox\nRUN echo a > /f\n", "FROM busybox\nWORKDIR /\nRUN echo a > /f\n", true)]
    [InlineData("FROM busybox\nRUN echo a > /f\n", "FROM busybox\nWORKDIR /tmp\nRUN echo a > /f\n", false)]
    [InlineData("FROM busybox\nRUN echo a > /tmp/f\n", "FROM busybox\nUSER 1\nRUN echo a > /tmp/f\n", false)]
    [InlineData("FROM busybox\nRUN echo a > /f\n", "FROM busybox\nLABEL x=y\nRUN echo a > /f\n", true)]
    public async Task A_step_re_runs_exactly_when_what_it_sees_changed(string before, string after, bool lastStepHits)
    {
        using var build = new TestBuild(fixture);
        await build.BuildAsync(before);

        var second = await build.BuildAsync(after);

        Assert.Equal(lastStepHits ? StepOutcome.Cached : StepOutcome.Ran, second.Result.Steps[^1].Outcome);
    }

    [Fact]
    public async Task A_build_arg_re_runs_a_step_only_where_it_is_declared_and_used()
    {
        using var build = new TestBuild(fixture);
        const string dockerfile = "FROM busybox\nRUN echo a > /a\nARG V\nRUN echo $V > /v\n";
        await build.BuildAsync(dockerfile, new Dictionary<string, string> { ["V"] = "1" });

        var unusedArg = await build.BuildAsync(dockerfile, new Dictionary<string, string> { ["V"] = "1", ["UNUSED"] = "x" });
        var changed = await build.BuildAsync(dockerfile, new Dictionary<string, string> { ["V"] = "2" });

        Assert.Equal([StepOutcome.Cached, StepOutcome.ConfigOnly, StepOutcome.Cached], unusedArg.Outcomes);
        Assert.Equal([StepOutcome.Cached, StepOutcome.ConfigOnly, StepOutcome.Ran], changed.Outcomes);
    }

    [Fact]
    public async Task No_cache_runs_every_step_and_no_cache_filter_only_the_named_stages()
    {
        using var build = new TestBuild(fixture);
        const string dockerfile = """
            FROM busybox AS tools
            RUN echo tools > /t
            FROM busybox AS app
            RUN echo app > /a
            COPY --from=tools /t /t
            """;
        await build.BuildAsync(dockerfile);

        var noCache = await build.BuildAsync(dockerfile, noCache: true);
        var filtered = await build.BuildAsync(dockerfile, noCacheFilter: ["tools"]);

        Assert.All(noCache.Result.Steps, s => Assert.Equal(StepOutcome.Ran, s.Outcome));
        Assert.Equal([StepOutcome.Ran, StepOutcome.Cached, StepOutcome.Cached], filtered.Outcomes);
    }

    [Fact]
    public async Task A_failing_step_names_its_line_and_shows_its_output_and_leaves_nothing_mounted()
    {
        using var build = new TestBuild(fixture);

        var error = await Assert.ThrowsAsync<StepFailedException>(() => build.BuildAsync("FROM busybox\nRUN echo fine\nRUN echo broken >&2; exit 3\n"));

        Assert.Equal(
            "Dockerfile:3: RUN echo broken >&2; exit 3: process \"/bin/sh -c echo broken >&2; exit 3\" did not complete successfully: exit code: 3\nlast 1 lines of output:\nbroken",
            error.Message);
        Assert.Equal((new StepId(0, 2), "Dockerfile:3", (int?)3, "broken"), (error.Failure.Step, error.Failure.Location, error.Failure.ExitCode, string.Join('\n', error.Failure.LastLines)));
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), line => line.Contains(fixture.DataDirectory, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Workdir_creates_the_directory_owned_by_the_user_and_an_existing_one_adds_no_layer()
    {
        using var build = new TestBuild(fixture);

        var outcome = await build.BuildAsync("FROM busybox\nUSER 1000:1001\nWORKDIR /app/src\nWORKDIR /tmp\n");

        var result = outcome.Result;
        Assert.Equal(
            [LayerItem.Directory("app/", uid: 1000, gid: 1001), LayerItem.Directory("app/src/", uid: 1000, gid: 1001)],
            await Layers.ReadAsync(fixture.Store, result.Steps[1].Layer!));
        Assert.Null(result.Steps[2].Layer);
        Assert.Equal(2, result.Config.RootFs.DiffIds.Count);
        var history = result.Config.History!.TakeLast(3).Select(h => (h.CreatedBy, h.EmptyLayer)).ToList();
        Assert.Equal([("USER 1000:1001", true), ("WORKDIR /app/src", false), ("WORKDIR /tmp", true)], history);
        Assert.Equal("/tmp", result.Config.Config!.WorkingDir);
    }

    [Fact]
    public async Task Only_the_stages_the_target_needs_run()
    {
        using var build = new TestBuild(fixture);

        var outcome = await build.BuildAsync("""
            FROM busybox AS broken
            RUN exit 1
            FROM busybox AS fine
            RUN echo fine > /f
            FROM busybox
            RUN exit 2
            """, target: "fine");

        Assert.Equal([new Dockerfile.Planning.StepId(1, 1)], outcome.Result.Steps.Select(s => s.Id));
    }

    [Fact]
    public async Task Independent_stages_run_at_the_same_time()
    {
        using var build = new TestBuild(fixture);
        var started = new[] { new TaskCompletionSource(), new TaskCompletionSource() };

        // Each stage's step waits, before it runs, until the other stage's step has started too:
        // stages run one after the other would never get past this.
        var outcome = await build.BuildAsync(
            """
            FROM busybox AS one
            RUN echo 1 > /1
            FROM busybox AS two
            RUN echo 2 > /2
            FROM scratch
            COPY --from=one /1 /1
            COPY --from=two /2 /2
            """,
            events: async (e, ct) =>
            {
                if (e is StepStarted { Step.Step: 1, Step.Stage: var stage and (0 or 1) })
                {
                    started[stage].SetResult();
                    await started[1 - stage].Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
                }
            });

        Assert.Equal([StepOutcome.Ran, StepOutcome.Ran, StepOutcome.Ran, StepOutcome.Ran], outcome.Outcomes);
    }

    [Fact]
    public async Task Concurrent_builds_of_the_same_steps_run_each_step_once()
    {
        using var build = new TestBuild(fixture);
        build.Write("Dockerfile", "FROM busybox\nRUN echo shared > /s\nRUN echo next > /n\n");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => build.BuildAsync()));

        Assert.Single(outcomes.Select(o => o.Result.Manifest.Digest).Distinct());
        for (var step = 0; step < 2; step++)
        {
            Assert.Single(outcomes, o => o.Result.Steps[step].Outcome == StepOutcome.Ran);
        }
    }

    [Fact]
    public async Task Onbuild_triggers_of_a_base_image_run_first_in_a_stage_built_on_it()
    {
        using var build = new TestBuild(fixture);
        var baseImage = await build.BuildAsync("FROM busybox\nONBUILD RUN echo triggered > /t\n");
        fixture.Store.Images.Set("docker.io/library/onbuild-base:latest", baseImage.Result.Manifest);

        var outcome = await build.BuildAsync("FROM onbuild-base\nRUN cat /t\n");

        Assert.Equal(["triggered"], outcome.Output);
        Assert.Equal(["RUN echo triggered > /t"], baseImage.Result.Config.Config!.OnBuild);
        Assert.Null(outcome.Result.Config.Config!.OnBuild);
        Assert.Equal("RUN echo triggered > /t", outcome.Result.Steps[0].Name[(outcome.Result.Steps[0].Name.IndexOf(']') + 2)..]);
    }

    [Fact]
    public async Task A_missing_base_image_is_a_clear_error()
    {
        using var build = new TestBuild(fixture);

        var error = await Assert.ThrowsAsync<BaseImageNotFoundException>(() => build.BuildAsync("FROM nothing-here:1.0\nRUN true\n"));

        Assert.Equal("base image docker.io/library/nothing-here:1.0: no image by that name is loaded or pulled (farm load / farm pull)", error.Message);
    }

    [Fact]
    public async Task Cancelling_a_build_kills_its_step_and_leaves_nothing_mounted()
    {
        using var build = new TestBuild(fixture);
        using var cancel = new CancellationTokenSource();

        var building = build.BuildAsync(
            "FROM busybox\nRUN echo started && sleep 600\n",
            events: (e, ct) =>
            {
                if (e is StepLog { Line.Text: "started" })
                {
                    cancel.Cancel();
                }

                return ValueTask.CompletedTask;
            },
            cancellationToken: cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => building);
        Assert.DoesNotContain(File.ReadAllLines("/proc/self/mountinfo"), line => line.Contains(fixture.DataDirectory, StringComparison.Ordinal));
    }

    // Every rule holds whether the context is a directory or the tree a client sent.
    public static TheoryData<string, bool, ContextKind> CopyChanges()
    {
        var changes = new (string Change, bool Hits)[]
        {
            ("mtime", true),
            ("unrelated", true),
            ("ignored", true),
            ("content", false),
            ("mode", false),
            ("owner", true), // context files are copied as 0:0 (as BuildKit's client sends them), so their owner never shows
            ("link target", false),
            ("new file in copied dir", false),
        };
        var data = new TheoryData<string, bool, ContextKind>();
        foreach (var kind in new[] { ContextKind.Directory, ContextKind.Tree })
        {
            foreach (var (change, hits) in changes)
            {
                data.Add(change, hits, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CopyChanges))]
    public async Task A_copy_re_runs_exactly_when_the_content_it_copies_changed(string change, bool hits, ContextKind kind)
    {
        using var build = new TestBuild(fixture, context: kind);
        build.Write("Dockerfile", "FROM busybox\nCOPY src/ /app/\nRUN ls -l /app > /listing\n")
            .Write(".dockerignore", "src/*.log\n")
            .Write("src/main.c", "int main;\n")
            .Write("src/debug.log", "noise\n")
            .Write("other.txt", "not copied\n");
        File.CreateSymbolicLink(Path.Combine(build.ContextDirectory, "src", "current"), "main.c");
        await build.BuildAsync();
        var copied = Path.Combine(build.ContextDirectory, "src", "main.c");

        switch (change)
        {
            case "mtime":
                File.SetLastWriteTimeUtc(copied, new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
                break;
            case "unrelated":
                build.Write("other.txt", "changed\n");
                break;
            case "ignored":
                build.Write("src/debug.log", "more noise\n");
                break;
            case "content":
                build.Write("src/main.c", "int main();\n");
                break;
            case "mode":
                await ProcessRunner.RunCheckedAsync("chmod", ["755", copied]);
                break;
            case "owner":
                await ProcessRunner.RunCheckedAsync("chown", ["1000:1000", copied]);
                break;
            case "link target":
                File.Delete(Path.Combine(build.ContextDirectory, "src", "current"));
                File.CreateSymbolicLink(Path.Combine(build.ContextDirectory, "src", "current"), "other.c");
                break;
            default:
                build.Write("src/util.c", "int util;\n");
                break;
        }

        var second = await build.BuildAsync();

        var expected = hits ? StepOutcome.Cached : StepOutcome.Ran;
        Assert.Equal([expected, expected], second.Outcomes);
    }

    [Fact]
    public async Task A_copy_from_a_stage_that_re_ran_but_made_the_same_file_is_a_hit()
    {
        using var build = new TestBuild(fixture);
        const string dockerfile = """
            FROM busybox AS build
            COPY input.txt /input.txt
            RUN mkdir /out && wc -l < /input.txt > /out/lines
            FROM busybox
            COPY --from=build /out/lines /lines
            RUN cat /lines
            """;
        build.Write("input.txt", "one\ntwo\n");
        await build.BuildAsync(dockerfile);

        build.Write("input.txt", "three\nfour\n");
        var second = await build.BuildAsync();

        Assert.Equal([StepOutcome.Ran, StepOutcome.Ran, StepOutcome.Cached, StepOutcome.Cached], second.Outcomes);
    }

    [Fact]
    public async Task A_copy_names_its_line_when_a_source_is_missing()
    {
        using var build = new TestBuild(fixture);

        var error = await Assert.ThrowsAsync<StepFailedException>(() => build.BuildAsync("FROM busybox\nCOPY missing.txt /\n"));

        Assert.StartsWith("Dockerfile:2: COPY missing.txt /: ", error.Message, StringComparison.Ordinal);
        Assert.Equal((new StepId(0, 1), "Dockerfile:2", (int?)null, 0), (error.Failure.Step, error.Failure.Location, error.Failure.ExitCode, error.Failure.LastLines.Count));
        Assert.Contains("missing.txt", error.Message[35..], StringComparison.Ordinal);
    }
}
