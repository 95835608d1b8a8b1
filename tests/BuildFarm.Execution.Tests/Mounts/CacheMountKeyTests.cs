using BuildFarm.Execution.Mounts.Internal;

namespace BuildFarm.Execution.Tests.Mounts;

public sealed class CacheMountKeyTests
{
    [Theory]
    [InlineData("/root/.cache", null, "_root_.cache-ebc372a1c9f0ee32")]
    [InlineData("_root_.cache", null, "_root_.cache-135e17c7b097a1cd")]
    [InlineData("go-build", null, "go-build-1f589d4f9dc079a4")]
    [InlineData("..", null, "_.-5ec1f7e700f37c3d")]
    [InlineData("go-build", "owner 1000:1000 mode 755", "go-build-29969e553f36c44f")]
    public void The_directory_name_is_readable_safe_and_unique(string id, string? seed, string expected)
    {
        Assert.Equal(expected, CacheMountKey.DirectoryName(id, seed));
    }

    [Fact]
    public void A_long_id_is_cut_short_and_kept_apart_by_its_hash()
    {
        var name = CacheMountKey.DirectoryName(new string('a', 300), null);

        Assert.Equal(new string('a', 64) + "-", name[..65]);
        Assert.Equal(81, name.Length);
    }
}
