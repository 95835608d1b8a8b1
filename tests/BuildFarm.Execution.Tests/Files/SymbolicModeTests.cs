using BuildFarm.Execution.Files.Internal;

namespace BuildFarm.Execution.Tests.Files;

/// <summary>Expected values computed with BuildKit's own mode package (tonistiigi/dchapes-mode) on the same inputs.</summary>
public sealed class SymbolicModeTests
{
    [Theory]
    [InlineData("a-x+X", "0644", false, "0644")]
    [InlineData("a-x+X", "0644", true, "0755")]
    [InlineData("+X", "0644", true, "0755")]
    [InlineData("a=rX", "0755", true, "0444")]
    [InlineData("ug=rw,o=", "0755", false, "0660")]
    [InlineData("g=u", "0644", false, "0664")]
    [InlineData("u+s", "0755", false, "4755")]
    [InlineData("o=g,g+X", "0644", true, "0654")]
    [InlineData("u-w+x-r", "0755", false, "0155")]
    [InlineData("g+Xx", "0000", false, "0010")]
    [InlineData("u=rwx,go=rx", "4750", false, "0755")]
    [InlineData("-w", "2640", true, "2440")]
    [InlineData("a+rwx,o-wx", "4750", false, "4774")]
    public void Apply_matches_buildkits_mode_package(string spec, string before, bool isDirectory, string after)
    {
        var mode = SymbolicMode.TryParse(spec);
        Assert.NotNull(mode);
        Assert.Equal(after, Convert.ToString(mode.Apply(Convert.ToInt32(before, 8), isDirectory), 8).PadLeft(4, '0'));
    }

    [Theory]
    [InlineData("u+q")]
    [InlineData("u+x,")]
    [InlineData("a")]
    [InlineData("x")]
    [InlineData("ug")]
    [InlineData("u+x g+w")]
    [InlineData("u=r,,g=r")]
    public void Malformed_modes_are_refused(string spec) => Assert.Null(SymbolicMode.TryParse(spec));
}
