using BuildFarm.Dockerfile.Instructions;
using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Instructions;

public sealed class RunMountParserTests
{
    private static readonly SourceLocation Line = new("Dockerfile", 3, 3);

    private static RunMount Mount(string spec) => RunMountParser.Parse(spec, Line, static value => value);

    [Fact]
    public void Bind_is_the_default_type_and_read_only_by_default()
    {
        Assert.Equal(
            new RunMount(MountType.Bind, "/src", "app", "build", true, null, null, false, null, null, null, null, 0),
            Mount("target=/src,src=app,from=build"));
    }

    [Theory]
    [InlineData("target=/src,rw", false)]
    [InlineData("target=/src,readwrite", false)]
    [InlineData("target=/src,rw=true", false)]
    [InlineData("target=/src,readonly=false", false)]
    [InlineData("target=/src,ro", true)]
    [InlineData("target=/src,readonly=1", true)]
    [InlineData("target=/src,rw=F", true)]
    public void Read_only_follows_ro_and_rw(string spec, bool readOnly)
    {
        Assert.Equal(readOnly, Mount(spec).ReadOnly);
    }

    [Fact]
    public void Cache_takes_every_option_and_is_writable_by_default()
    {
        Assert.Equal(
            new RunMount(MountType.Cache, "/root/.cache", "/seed", "build", false, "go-build", CacheSharing.Locked, false, null, 448, 1000, 1001, 0),
            Mount("type=cache,target=/root/.cache,id=go-build,sharing=locked,mode=0700,uid=1000,gid=1001,from=build,source=/seed"));
    }

    [Theory]
    [InlineData("shared", CacheSharing.Shared)]
    [InlineData("PRIVATE", CacheSharing.Private)]
    [InlineData("locked", CacheSharing.Locked)]
    public void Sharing_modes(string value, CacheSharing sharing)
    {
        Assert.Equal(sharing, Mount($"type=cache,target=/c,sharing={value}").Sharing);
    }

    [Fact]
    public void Tmpfs_takes_a_size_in_binary_units()
    {
        Assert.Equal(
            new RunMount(MountType.Tmpfs, "/tmp", null, null, false, null, null, false, null, null, null, null, 64L * 1024 * 1024),
            Mount("type=tmpfs,destination=/tmp,size=64m"));
        Assert.Equal(1536L * 1024 * 1024, Mount("type=tmpfs,dst=/t,size=1.5GiB").SizeLimit);
        Assert.Equal(100, Mount("type=tmpfs,dst=/t,size=100").SizeLimit);
    }

    [Fact]
    public void Secret_takes_id_target_required_env_and_file_options()
    {
        Assert.Equal(
            new RunMount(MountType.Secret, "/root/.npmrc", null, null, true, "npmrc", null, true, "NPM_TOKEN", 256, 1, 2, 0),
            Mount("type=secret,id=npmrc,dst=/root/.npmrc,required,env=NPM_TOKEN,mode=0400,uid=1,gid=2"));
        Assert.False(Mount("type=secret,id=a,required=false").Required);
    }

    [Fact]
    public void Ssh_takes_id_target_and_required()
    {
        Assert.Equal(
            new RunMount(MountType.Ssh, "/agent.sock", null, null, true, "github", null, true, null, 384, null, null, 0),
            Mount("type=ssh,id=github,target=/agent.sock,required=true,mode=600"));
    }

    [Fact]
    public void Keys_and_types_are_case_insensitive_and_values_are_expanded()
    {
        var mount = RunMountParser.Parse("TYPE=CACHE,Target=$DIR", Line, value => value.Replace("$DIR", "/cache", StringComparison.Ordinal));
        Assert.Equal(MountType.Cache, mount.Type);
        Assert.Equal("/cache", mount.Target);
    }

    [Fact]
    public void Quoted_fields_may_hold_commas()
    {
        Assert.Equal("/a,b", Mount("type=bind,\"target=/a,b\"").Target);
        Assert.Equal("/a\"b", Mount("\"target=/a\"\"b\"").Target);
    }

    [Theory]
    [InlineData("\"target=/x", "failed to parse csv mounts: extraneous or missing \" in quoted-field")]
    [InlineData("tar\"get=/x", "failed to parse csv mounts: bare \" in non-quoted-field")]
    public void Malformed_csv_is_rejected(string spec, string reason)
    {
        Assert.Equal($"Dockerfile:3: {reason}", Assert.Throws<DockerfileException>(() => Mount(spec)).Message);
    }
}
