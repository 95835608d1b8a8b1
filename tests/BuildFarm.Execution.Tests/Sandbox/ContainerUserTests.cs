using BuildFarm.Execution.Sandbox;
using BuildFarm.Testing;

namespace BuildFarm.Execution.Tests.Sandbox;

public sealed class ContainerUserTests : IDisposable
{
    private readonly TempDirectory _root = new("buildfarm-users");

    public ContainerUserTests()
    {
        Directory.CreateDirectory(_root.Combine("etc"));
        File.WriteAllText(_root.Combine("etc", "passwd"), "root:x:0:0:root:/root:/bin/sh\n\napp:x:100:101::/home/app:/bin/sh\nfirst:x:200:200::/:/bin/sh\nfirst:x:300:300::/:/bin/sh\n");
        File.WriteAllText(_root.Combine("etc", "group"), "root:x:0:\nwheel:x:10:root,app\napp:x:101:\ndocker:x:999:app\n");
    }

    public void Dispose() => _root.Dispose();

    [Theory]
    [InlineData("", 0u, 0u, new uint[0])]
    [InlineData("root", 0u, 0u, new uint[0])]
    [InlineData("0", 0u, 0u, new uint[0])]
    [InlineData("100", 100u, 100u, new uint[0])] // BuildKit: a lone numeric uid is also the gid
    [InlineData("100:999", 100u, 999u, new uint[0])]
    [InlineData("root:root", 0u, 0u, new uint[0])]
    [InlineData("app", 100u, 101u, new uint[] { 10, 999 })]
    [InlineData("app:docker", 100u, 999u, new uint[0])]
    [InlineData("app:5", 100u, 5u, new uint[0])]
    [InlineData("100:wheel", 100u, 10u, new uint[0])]
    [InlineData("first", 200u, 200u, new uint[0])] // the first entry wins
    public void Resolves_like_buildkit_and_libcontainer(string user, uint uid, uint gid, uint[] groups)
    {
        var resolved = ContainerUser.Resolve(user, _root.Path);

        Assert.Equal((uid, gid), (resolved.Uid, resolved.Gid));
        Assert.Equal(groups, resolved.AdditionalGids);
    }

    // BuildKit's executor (testUser, testUserAdditionalGids): the files are skipped for uid:gid alone.
    [Theory]
    [InlineData("", 0u, 0u, new uint[] { 0, 10 })]
    [InlineData("root", 0u, 0u, new uint[] { 0, 10 })]
    [InlineData("0", 0u, 0u, new uint[] { 0, 10 })]
    [InlineData("100", 100u, 101u, new uint[] { 101, 10, 999 })]
    [InlineData("1234", 1234u, 0u, new uint[] { 0 })] // no passwd entry: gid 0, not the uid
    [InlineData("100:999", 100u, 999u, new uint[] { 999 })]
    [InlineData("root:root", 0u, 0u, new uint[] { 0 })]
    [InlineData("app", 100u, 101u, new uint[] { 101, 10, 999 })]
    [InlineData("app:docker", 100u, 999u, new uint[] { 999 })]
    public void A_process_user_is_looked_up_unless_both_ids_are_given(string user, uint uid, uint gid, uint[] groups)
    {
        var resolved = ContainerUser.ResolveProcess(user, _root.Path);

        Assert.Equal((uid, gid), (resolved.Uid, resolved.Gid));
        Assert.Equal(groups, resolved.AdditionalGids);
    }

    [Fact]
    public void The_default_process_user_is_root_when_the_files_are_missing()
    {
        File.Delete(_root.Combine("etc", "passwd"));
        File.Delete(_root.Combine("etc", "group"));

        var resolved = ContainerUser.ResolveProcess("", _root.Path);

        Assert.Equal((0u, 0u), (resolved.Uid, resolved.Gid));
        Assert.Equal([0u], resolved.AdditionalGids);
        Assert.Equal(
            "unable to find user app: no matching entries in passwd file",
            Assert.Throws<InvalidOperationException>(() => ContainerUser.ResolveProcess("app", _root.Path)).Message);
    }

    [Theory]
    [InlineData("nobody", "unable to find user nobody: no matching entries in passwd file")]
    [InlineData("app:nogroup", "unable to find group nogroup: no matching entries in group file")]
    [InlineData("99999999999", "user or group id '99999999999' is out of range")]
    public void Unknown_names_are_errors(string user, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ContainerUser.Resolve(user, _root.Path));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void The_files_are_read_inside_the_root()
    {
        // An absolute symlink means the root's own file, never the host's /etc/passwd.
        File.Delete(_root.Combine("etc", "passwd"));
        File.WriteAllText(_root.Combine("passwd.real"), "builder:x:1234:1234::/:/bin/sh\n");
        File.CreateSymbolicLink(_root.Combine("etc", "passwd"), "/passwd.real");

        Assert.Equal((1234u, 1234u), (ContainerUser.Resolve("builder", _root.Path).Uid, ContainerUser.Resolve("builder", _root.Path).Gid));
        Assert.Equal(
            "unable to find user daemon: no matching entries in passwd file",
            Assert.Throws<InvalidOperationException>(() => ContainerUser.Resolve("daemon", _root.Path)).Message);
    }

    [Fact]
    public void Without_a_passwd_file_only_ids_work()
    {
        File.Delete(_root.Combine("etc", "passwd"));

        Assert.Equal((100u, 100u), (ContainerUser.Resolve("100", _root.Path).Uid, ContainerUser.Resolve("100", _root.Path).Gid));
        Assert.Equal(
            "unable to find user app: no matching entries in passwd file",
            Assert.Throws<InvalidOperationException>(() => ContainerUser.Resolve("app", _root.Path)).Message);
    }
}
