using BuildFarm.Cli.Formatting;

namespace BuildFarm.Cli.Tests.Formatting;

/// <summary>docker's sizes and ages (go-units' HumanSizeWithPrecision(size, 3) and HumanDuration), value by value.</summary>
public sealed class HumanUnitsTests
{
    [Theory]
    [InlineData(0, "0B")]
    [InlineData(999, "999B")]
    [InlineData(1000, "1kB")]
    [InlineData(1234, "1.23kB")]
    [InlineData(4_264_960, "4.26MB")]
    [InlineData(77_800_000, "77.8MB")]
    [InlineData(999_999, "1e+03kB")]
    [InlineData(1_500_000_000, "1.5GB")]
    [InlineData(123_456_789_012_345, "123TB")]
    public void Sizes_have_three_significant_digits_and_decimal_units(long bytes, string expected) =>
        Assert.Equal(expected, HumanUnits.Size(bytes));

    [Theory]
    [InlineData(0, "Less than a second")]
    [InlineData(1, "1 second")]
    [InlineData(59, "59 seconds")]
    [InlineData(60, "About a minute")]
    [InlineData(119, "About a minute")]
    [InlineData(120, "2 minutes")]
    [InlineData(59 * 60 + 59, "59 minutes")]
    [InlineData(60 * 60, "About an hour")]
    [InlineData(90 * 60, "2 hours")]
    [InlineData(47 * 3600, "47 hours")]
    [InlineData(48 * 3600, "2 days")]
    [InlineData(13 * 86400, "13 days")]
    [InlineData(14 * 86400, "2 weeks")]
    [InlineData(59 * 86400, "8 weeks")]
    [InlineData(60 * 86400, "2 months")]
    [InlineData(729 * 86400, "24 months")]
    [InlineData(730 * 86400, "2 years")]
    public void Ages_are_coarse(long seconds, string expected) =>
        Assert.Equal(expected, HumanUnits.Duration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void An_age_in_the_future_is_less_than_a_second() =>
        Assert.Equal("Less than a second", HumanUnits.Duration(TimeSpan.FromHours(-3)));
}
