using System.Diagnostics;
using BuildFarm.Execution.Networking.Internal;

namespace BuildFarm.Execution.Tests.Networking;

public sealed class NetworkOwnerTests
{
    [Fact]
    public void This_process_is_alive_and_its_alias_names_it()
    {
        var owner = NetworkOwner.FromAlias(NetworkOwner.Current.Alias + "\n");

        Assert.Equal(NetworkOwner.Current, owner);
        Assert.Equal(Environment.ProcessId, owner!.ProcessId);
        Assert.True(owner.IsAlive);
    }

    [Fact]
    public void A_process_that_exited_or_an_id_taken_by_another_process_is_not_alive()
    {
        using var exited = Process.Start("true")!;
        exited.WaitForExit();

        Assert.False(new NetworkOwner(exited.Id, NetworkOwner.Current.StartTicks).IsAlive);
        Assert.False((NetworkOwner.Current with { StartTicks = NetworkOwner.Current.StartTicks + 1 }).IsAlive);
    }

    [Theory]
    [InlineData("")]
    [InlineData("docker0")]
    [InlineData("buildfarm owner pid=12")]
    [InlineData("buildfarm owner pid=x start=5")]
    [InlineData("buildfarm owner pid=12 start=-5")]
    public void An_alias_that_names_no_owner_is_none(string alias) => Assert.Null(NetworkOwner.FromAlias(alias));

    [Theory]
    [InlineData("bf0123abcd", "0123abcd")]
    [InlineData("bf0123abcd-0f", "0123abcd")]
    [InlineData("buildfarm_0123abcd", "0123abcd")]
    public void Bridges_tables_and_step_namespaces_name_their_engine(string name, string id) =>
        Assert.Equal(id, NetworkNames.Owning(name)?.Id);

    [Theory]
    [InlineData("bf0123ABCD")]
    [InlineData("bf0123abc")]
    [InlineData("bf0123abcde")]
    [InlineData("bf0123abcd-0")]
    [InlineData("buildfarm_0123abcd-0f")]
    [InlineData("br-0123abcd")]
    [InlineData("docker0")]
    public void Other_names_name_no_engine(string name) => Assert.Null(NetworkNames.Owning(name));
}
