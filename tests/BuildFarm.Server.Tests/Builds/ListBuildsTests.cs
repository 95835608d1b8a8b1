using BuildFarm.Api.V1;
using BuildFarm.Server.Tests.TestSupport;
using Grpc.Core;

namespace BuildFarm.Server.Tests.Builds;

/// <summary>Builds/List pages through the build index, newest first, with tokens that hold their place.</summary>
public sealed class ListBuildsTests
{
    [Fact]
    public async Task Pages_are_newest_first_and_a_build_submitted_meanwhile_does_not_shift_them()
    {
        await using var farm = await RunningFarm.StartAsync();
        farm.Write("Dockerfile", "FROM busybox\nARG N\nRUN test \"$N\" != 3\n");
        var ids = new List<string>();
        for (var n = 1; n <= 5; n++)
        {
            var events = await farm.BuildAsync(r => r.BuildArgs["N"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            ids.Add(events[0].BuildId);
        }

        var first = await farm.Client.Builds.ListAsync(new ListBuildsRequest { PageSize = 2 });
        var sixth = (await farm.BuildAsync(r => r.BuildArgs["N"] = "6"))[0].BuildId;
        var second = await farm.Client.Builds.ListAsync(new ListBuildsRequest { PageSize = 2, PageToken = first.NextPageToken });
        var third = await farm.Client.Builds.ListAsync(new ListBuildsRequest { PageSize = 2, PageToken = second.NextPageToken });
        var all = await farm.Client.Builds.ListAsync(new ListBuildsRequest());
        var failed = await farm.Client.Builds.ListAsync(new ListBuildsRequest { States = { BuildState.Failed } });

        Assert.Equal([ids[4], ids[3]], first.Builds.Select(b => b.BuildId));
        Assert.Equal([ids[2], ids[1]], second.Builds.Select(b => b.BuildId));
        Assert.Equal([ids[0]], third.Builds.Select(b => b.BuildId));
        Assert.Equal(string.Empty, third.NextPageToken);
        Assert.NotEqual(string.Empty, second.NextPageToken);
        Assert.Equal([sixth, .. Enumerable.Reverse(ids)], all.Builds.Select(b => b.BuildId));
        Assert.Equal(string.Empty, all.NextPageToken);
        Assert.Equal([ids[2]], failed.Builds.Select(b => b.BuildId));
        Assert.Equal(new FailedStep { StepId = "0.2", Location = "Dockerfile:3", ExitCode = 1 }, failed.Builds[0].FailedStep);
        Assert.Equal(
            [BuildState.Succeeded, BuildState.Succeeded, BuildState.Succeeded, BuildState.Failed, BuildState.Succeeded, BuildState.Succeeded],
            all.Builds.Select(b => b.State));
        Assert.Equal([2, 2, 2, 1, 2, 2], all.Builds.Select(b => b.StepsCompleted));
    }

    [Fact]
    public async Task A_token_the_server_did_not_give_and_a_negative_page_size_are_invalid_arguments()
    {
        await using var farm = await RunningFarm.StartAsync();

        var token = await Assert.ThrowsAsync<RpcException>(() => farm.Client.Builds.ListAsync(new ListBuildsRequest { PageToken = "page-2" }).ResponseAsync);
        var size = await Assert.ThrowsAsync<RpcException>(() => farm.Client.Builds.ListAsync(new ListBuildsRequest { PageSize = -1 }).ResponseAsync);
        var empty = await farm.Client.Builds.ListAsync(new ListBuildsRequest());

        Assert.Equal((StatusCode.InvalidArgument, "page_token \"page-2\" is not a token this server gave: pass the next_page_token of the previous page, or none for the first."), (token.StatusCode, token.Status.Detail));
        Assert.Equal((StatusCode.InvalidArgument, "page_size is -1; it must be 0 (for 100) or more."), (size.StatusCode, size.Status.Detail));
        Assert.Equal((0, string.Empty), (empty.Builds.Count, empty.NextPageToken));
    }
}
