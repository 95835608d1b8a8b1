using System.Collections.Concurrent;
using BuildFarm.Execution.Building;
using BuildFarm.Grains.Builds;
using BuildFarm.Grains.Ssh;
using BuildFarm.Grains.Tests.TestSupport;
using BuildFarm.Testing;

namespace BuildFarm.Grains.Tests.Ssh;

/// <summary>
/// A build coordinated on one silo whose RUN steps, placed on two silos, both ask the client's own
/// agent (a real <c>ssh-agent</c>) through the session the client's stream holds, with real runc
/// and Debian's <c>ssh-add</c> in the steps' image.
/// </summary>
public sealed class SshForwardingClusterBuildTests
{
    [Fact]
    public async Task Steps_placed_on_two_silos_both_list_the_clients_key_through_the_session()
    {
        await using var agent = await SshAgentProcess.StartAsync("cluster-build");
        await using var farm = await FarmCluster.StartAsync(silos: 2, slots: 1);
        var coordinator = farm.Silos[0];
        var tools = await SshAddFiles.FindAsync();
        var root = await farm.SendContextAsync(farm.Store(coordinator), directory =>
        {
            // Each stage's RUN holds its silo's one slot, so the other is placed on the other silo.
            File.WriteAllText(Path.Combine(directory, "Dockerfile"), """
                FROM busybox AS a
                COPY tools/ /
                RUN --mount=type=ssh,required sleep 2 && ssh-add -l && echo a > /a
                FROM busybox AS b
                COPY tools/ /
                RUN --mount=type=ssh,required sleep 2 && ssh-add -l && echo b > /b
                FROM busybox
                COPY --from=a /a /a
                COPY --from=b /b /b
                """);
            tools.CopyInto(Path.Combine(directory, "tools"));
        });
        // The client's stream is held on the second silo, as when it talks to that one.
        const string session = "cluster-build-session";
        var gateway = farm.Grains(farm.Silos[1]).GetGrain<ISshForwardingGrain>(session);
        await gateway.OpenAsync();
        var answering = AgentForwardingClient.AnswerAsync(gateway, agent.Socket);
        var secrets = new BuildSecrets { ForwardedSsh = ["default"], SshSession = session };
        var forwarded = ForwardedSshAgents.For(farm.Grains(coordinator), secrets)!;
        var events = new ConcurrentQueue<BuildEvent>();

        await farm.Engine(coordinator).BuildAsync(
            new BuildRequest { ContextTree = root, SshAgents = new BuildSessionSecrets(secrets, agents: null, forwarded) },
            (buildEvent, _) =>
            {
                events.Enqueue(buildEvent);
                return ValueTask.CompletedTask;
            });
        await forwarded.EndAsync();

        var runs = events.OfType<StepStarted>().Where(started => started.Step.Step == 2 && started.Step.Stage < 2).Select(started => started.Worker).ToList();
        Assert.Equal(2, runs.Distinct().Count());
        Assert.Equal([agent.Fingerprint, agent.Fingerprint], events.OfType<StepLog>().Select(log => log.Line.Text));
        Assert.Equal(2, await answering);
    }
}
