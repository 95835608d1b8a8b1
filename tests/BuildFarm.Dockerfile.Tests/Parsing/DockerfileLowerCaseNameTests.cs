using BuildFarm.Dockerfile.Parsing;

namespace BuildFarm.Dockerfile.Tests.Parsing;

/// <summary>BuildKit's fallback from a missing <c>Dockerfile</c> to <c>dockerfile</c>, and no other name.</summary>
public sealed class DockerfileLowerCaseNameTests
{
    [Theory]
    [InlineData("Dockerfile", "dockerfile")]
    [InlineData("sub/Dockerfile", "sub/dockerfile")]
    [InlineData("/ctx/sub/Dockerfile", "/ctx/sub/dockerfile")]
    [InlineData("app.Dockerfile", null)]
    [InlineData("sub/MyDockerfile", null)]
    [InlineData("Dockerfile.dev", null)]
    [InlineData("dockerfile", null)]
    [InlineData("DOCKERFILE", null)]
    public void Only_a_file_named_Dockerfile_has_the_lower_case_alternative(string path, string? alternative) =>
        Assert.Equal(alternative, DockerfileLowerCaseName.Alternative(path));

    [Fact]
    public void On_disk_the_lower_case_file_is_read_only_where_Dockerfile_is_missing()
    {
        var context = Directory.CreateTempSubdirectory("dockerfile-name-");
        try
        {
            var upper = Path.Combine(context.FullName, "Dockerfile");
            var lower = Path.Combine(context.FullName, "dockerfile");
            Assert.Equal(upper, DockerfileLowerCaseName.ResolveOnDisk(upper));

            File.WriteAllText(lower, "FROM scratch\n");
            Assert.Equal(lower, DockerfileLowerCaseName.ResolveOnDisk(upper));

            File.WriteAllText(upper, "FROM scratch\n");
            Assert.Equal(upper, DockerfileLowerCaseName.ResolveOnDisk(upper));

            var other = Path.Combine(context.FullName, "app.Dockerfile");
            Assert.Equal(other, DockerfileLowerCaseName.ResolveOnDisk(other));
        }
        finally
        {
            context.Delete(recursive: true);
        }
    }
}
