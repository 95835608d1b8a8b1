using BuildFarm.Grains.Builds;

namespace BuildFarm.Server.Tests.Grains;

public sealed class BuildGrainOptionsValidatorTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.True(new BuildGrainOptionsValidator().Validate(null, new BuildGrainOptions()).Succeeded);
    }

    [Fact]
    public void Each_setting_out_of_range_is_named_with_its_value_and_range()
    {
        var result = new BuildGrainOptionsValidator().Validate(null, new BuildGrainOptions { EventsPerPage = 0, IndexEntriesPerPage = 1001, KeepAlivePeriod = TimeSpan.FromMinutes(20) });

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "BuildGrainOptions.EventsPerPage is 0; it must be between 1 and 10000.",
                "BuildGrainOptions.IndexEntriesPerPage is 1001; it must be between 1 and 1000.",
                "BuildGrainOptions.KeepAlivePeriod is 00:20:00; it must be more than zero and at most 5 minutes, well under the grain collection age.",
            ],
            result.Failures);
    }
}
