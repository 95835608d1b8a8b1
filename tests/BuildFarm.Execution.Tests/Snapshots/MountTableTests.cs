using BuildFarm.Execution.Internal;

namespace BuildFarm.Execution.Tests.Snapshots;

public sealed class MountTableTests
{
    [Fact]
    public void Parses_mount_points_types_and_sources_with_escapes_and_optional_fields()
    {
        const string mountInfo =
            "26 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
            + "36 30 0:32 / /sys/fs/cgroup/devices rw,relatime shared:5 master:1 - cgroup cgroup rw,devices\n"
            + "90 26 0:50 / /data/exec/a\\040b/rootfs rw,relatime - overlay overlay rw,lowerdir=0:1,upperdir=/data/exec/a\\040b/upper\n"
            + "91 26 0:51 / /data/tab\\011and\\134backslash rw - tmpfs tmpfs\\040x rw\n";

        Assert.Equal(
            [
                new MountEntry("/", "ext4", "/dev/vda"),
                new MountEntry("/sys/fs/cgroup/devices", "cgroup", "cgroup"),
                new MountEntry("/data/exec/a b/rootfs", "overlay", "overlay"),
                new MountEntry("/data/tab\tand\\backslash", "tmpfs", "tmpfs x"),
            ],
            MountTable.Parse(mountInfo));
    }

    [Fact]
    public void A_malformed_line_is_named()
    {
        var error = Assert.Throws<InvalidDataException>(() => MountTable.Parse("26 1 254:0 / / rw\n"));

        Assert.Equal("Unexpected line in /proc/self/mountinfo: '26 1 254:0 / / rw'.", error.Message);
    }
}
